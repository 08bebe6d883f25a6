"""``python -m awsemu [--host 127.0.0.1] [--port 4566]``: run the local AWS emulator."""

import argparse
import os

from awsemu.server import serve


def main() -> None:
    parser = argparse.ArgumentParser(prog="awsemu", description=__doc__)
    parser.add_argument("--host", default=os.environ.get("AWSEMU_HOST", "127.0.0.1"))
    parser.add_argument("--port", type=int, default=int(os.environ.get("AWSEMU_PORT", "4566")))
    args = parser.parse_args()
    serve(args.host, args.port)


if __name__ == "__main__":
    main()
