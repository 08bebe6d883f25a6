"""Fixtures for the real container tests: a Docker engine, the local registry, the built images.

Without a Docker engine, the base image (make base-image) or the registry on 127.0.0.1:5000 these tests
skip, unless REQUIRE_DOCKER=1 (.ci/run sets it): then they fail, so CI cannot pass without running them.
"""

from __future__ import annotations

import time
from collections.abc import Iterator

import pytest
from container_helpers import (
    RUN_ID,
    Container,
    Timings,
    build_image,
    docker,
    remove_untagged_build_images,
    start_container,
    unavailable,
)

from tests.support import docker_problem


@pytest.fixture(scope="session")
def timings() -> Timings:
    return Timings()


@pytest.fixture(scope="session")
def docker_engine() -> Iterator[None]:
    """Engine, base image and wheelhouse (no registry needed to build and run); build leftovers removed after."""
    problem = docker_problem(registry=False)
    if problem:
        unavailable(problem)
    yield
    remove_untagged_build_images()


@pytest.fixture(scope="session")
def registry(docker_engine, registry_ready) -> str:
    return registry_ready


def _built(tag: str, welcome: str, timings: Timings, name: str) -> Iterator[str]:
    start = time.monotonic()
    proc = build_image(tag, "--build-arg", f"WELCOME_ROUTE={welcome}")
    assert proc.returncode == 0, f"docker build failed:\n{proc.stdout}\n{proc.stderr}"
    timings.record(f"docker_build_{name}_seconds", time.monotonic() - start)
    try:
        yield tag
    finally:
        docker("image", "rm", "--force", tag, check=False)


@pytest.fixture(scope="session")
def image_v2(docker_engine, timings) -> Iterator[str]:
    """hello_app with the welcome route (the seed's v2), built once per session."""
    yield from _built(f"helloapp-test:{RUN_ID}-v2", "on", timings, "v2")


@pytest.fixture(scope="session")
def image_v1(image_v2, timings) -> Iterator[str]:
    """hello_app without the welcome route (v1); shares every layer but the last ones with v2."""
    yield from _built(f"helloapp-test:{RUN_ID}-v1", "off", timings, "v1")


@pytest.fixture
def run_container() -> Iterator:
    """``run_container(image, *docker_run_args) -> Container``; every container started is removed afterwards."""
    started: list[Container] = []

    def run(image: str, *run_args: str) -> Container:
        container = start_container(image, run_args=run_args)
        started.append(container)
        return container

    yield run
    for container in started:
        docker("rm", "--force", container.id, check=False)


@pytest.fixture(scope="module")
def v2_container(image_v2) -> Iterator[Container]:
    container = start_container(image_v2)
    yield container
    docker("rm", "--force", container.id, check=False)
