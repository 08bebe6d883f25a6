"""``python -m awsemu [--host 127.0.0.1] [--port 4566]``: run the local AWS emulator."""

import argparse
import logging
import os

# AWS managed policies (AWSCodeDeployRoleForECS, AmazonECSTaskExecutionRolePolicy...) must exist, as in
# a real account; moto loads them only when this is set before its IAM backend is built.
os.environ.setdefault("MOTO_IAM_LOAD_MANAGED_POLICIES", "true")
# Fargate needs no AMIs; without moto's thousands of public AMIs a region's EC2 set-up (after every
# reset) takes milliseconds instead of about a second. MOTO_EC2_LOAD_DEFAULT_AMIS=true brings them back.
os.environ.setdefault("MOTO_EC2_LOAD_DEFAULT_AMIS", "false")

from awsemu.server import serve  # noqa: E402


def main() -> None:
    parser = argparse.ArgumentParser(prog="awsemu", description=__doc__)
    parser.add_argument("--host", default=os.environ.get("AWSEMU_HOST", "127.0.0.1"))
    parser.add_argument("--port", type=int, default=int(os.environ.get("AWSEMU_PORT", "4566")))
    args = parser.parse_args()
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(name)s %(levelname)s %(message)s")
    serve(args.host, args.port)


if __name__ == "__main__":
    main()
