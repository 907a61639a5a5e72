"""Stand-ins for the images docker-compose.yaml pulls, built here under the official names.

No container registry is reachable from the machines this project is tested on, so
``apache/airflow``, ``postgres``, ``redis`` and ``motoserver/moto`` cannot be pulled. Each is
rebuilt from Debian bookworm's packages and PyPI (see the Dockerfile in each folder of
``standins/``) on a base made with debootstrap, then tagged with the exact name and tag the
compose file uses, so the file runs unmodified.

Builds are cached by content: every image also carries a private tag
``sparkify-standin/<name>:<hash of its inputs>``, and an image whose inputs have not changed is
reused. ``untag_official_names`` takes the official names off again at the end of a test
session, leaving only the private tags (so the machine's own pulls are never shadowed for long).

    python -m tests.compose.standins build      # build (or reuse) and tag them all
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

PROJECT = Path(__file__).resolve().parents[2]
STANDINS = Path(__file__).with_name("standins")
PRIVATE_REPOSITORY = "sparkify-standin"
BUILD_STAGE_LABEL = "sparkify-standin-stage=build"
STANDIN_LABEL = "sparkify-standin=true"
# The official name and tag the compose files use -> the folder with its stand-in's Dockerfile.
OFFICIAL_IMAGES = {
    "apache/airflow:3.3.2-python3.11": "airflow",
    "postgres:16": "postgres",
    "redis:7.2-bookworm": "redis",
    "motoserver/moto:5.2.5": "moto",
}
# Versions for what the stand-ins pip-install: the project's own lock.
CONSTRAINTS = PROJECT / "requirements.lock"
SUITE = "bookworm"
DEFAULT_MIRROR = "http://deb.debian.org/debian"
LOCAL_CERTIFICATES = Path("/usr/local/share/ca-certificates")
PIP_CONF = b"[global]\ncert = /etc/ssl/certs/ca-certificates.crt\n"
SLIM_REMOVE = [
    "var/cache/apt/archives/*.deb", "var/cache/apt/*.bin", "var/lib/apt/lists/*_*",
    "usr/share/doc/*", "usr/share/man/*", "usr/share/info/*", "usr/share/locale/*",
]  # fmt: skip
# Later package installs leave out the same (the stand-ins' Dockerfiles run apt-get).
DPKG_EXCLUDES = b"""\
path-exclude /usr/share/doc/*
path-include /usr/share/doc/*/copyright
path-exclude /usr/share/man/*
path-exclude /usr/share/info/*
path-exclude /usr/share/locale/*
"""


def docker(*args: str, **kwargs) -> subprocess.CompletedProcess:
    return subprocess.run(["docker", *args], check=True, text=True, **kwargs)


def image_exists(tag: str) -> bool:
    return subprocess.run(["docker", "image", "inspect", tag], capture_output=True).returncode == 0


def debian_mirror(sources: Path = Path("/etc/apt")) -> str:
    """The machine's own Debian mirror (its apt sources), where debootstrap can reach it."""
    pattern = re.compile(r"^(?:URIs:\s*|deb\s+(?:\[[^\]]*\]\s+)?)(\S+/debian)/?\s*", re.MULTILINE)
    files = [sources / "sources.list", *sorted((sources / "sources.list.d").glob("*"))]
    for path in files:
        if path.is_file():
            match = pattern.search(path.read_text(errors="replace"))
            if match:
                return match.group(1)
    return DEFAULT_MIRROR


def _digest(*parts: bytes) -> str:
    sha = hashlib.sha256()
    for part in parts:
        sha.update(len(part).to_bytes(8, "big") + part)
    return sha.hexdigest()[:16]


def local_certificates() -> list[Path]:
    """The machine's own CA certificates (a TLS proxy's, for example), which the images trust."""
    return sorted(LOCAL_CERTIFICATES.glob("*.crt"))


def base_image(log=print) -> str:
    """A Debian bookworm (minbase) image made with debootstrap; reused if already made.

    It carries this machine's local CA certificates and tells pip to use the system's trust
    store, as the machine's own pip configuration does: where PyPI is reached through a
    TLS-intercepting proxy, nothing built on it could install from PyPI otherwise. Stand-ins
    that install ``ca-certificates`` pick the local certificates up.
    """
    mirror = debian_mirror()
    certificates = local_certificates()
    digest = _digest(
        SUITE.encode(),
        b"minbase",
        mirror.encode(),
        PIP_CONF,
        DPKG_EXCLUDES,
        "\0".join(SLIM_REMOVE).encode(),
        *(c.read_bytes() for c in certificates),
    )
    tag = f"{PRIVATE_REPOSITORY}/debian:{SUITE}-{digest}"
    if image_exists(tag):
        return tag
    if shutil.which("debootstrap") is None:
        raise RuntimeError("debootstrap is needed to build the stand-in base image")
    log(f"building {tag} with debootstrap from {mirror}")
    with tempfile.TemporaryDirectory(prefix="standin-rootfs-") as scratch:
        root = Path(scratch) / "root"
        subprocess.run(
            ["debootstrap", "--variant=minbase", SUITE, str(root), mirror],
            check=True,
            capture_output=True,
        )
        trusted = root / "usr/local/share/ca-certificates"
        trusted.mkdir(parents=True, exist_ok=True)
        for certificate in certificates:
            shutil.copy(certificate, trusted / certificate.name)
        (root / "etc/pip.conf").write_bytes(PIP_CONF)
        _slim(root)
        tar = subprocess.Popen(["tar", "-C", str(root), "-c", "."], stdout=subprocess.PIPE)
        docker("import", "-", tag, stdin=tar.stdout, capture_output=True)
        if tar.wait() != 0:
            raise RuntimeError("tar of the debootstrap root failed")
    return tag


def _slim(root: Path) -> None:
    """Drop what debootstrap leaves for a machine, not an image (as Debian's own images do)."""
    for pattern in SLIM_REMOVE:
        for path in root.glob(pattern):
            shutil.rmtree(path) if path.is_dir() and not path.is_symlink() else path.unlink()
    (root / "etc/dpkg/dpkg.cfg.d/slim-image").write_bytes(DPKG_EXCLUDES)


def _inputs(folder: Path) -> list[bytes]:
    files = sorted(p for p in folder.rglob("*") if p.is_file())
    return [str(p.relative_to(folder)).encode() + b"\0" + p.read_bytes() for p in files]


def is_standin(tag: str) -> bool:
    labels = docker(
        "image", "inspect", "--format", "{{json .Config.Labels}}", tag, capture_output=True
    ).stdout
    return STANDIN_LABEL.split("=")[0] in (json.loads(labels) or {})


def build_standin(official: str, base: str, log=print) -> str:
    """Build (or reuse) the stand-in for ``official``; tag it with the official name too.

    Where the machine holds the real image under that name (it could pull it), that is kept
    and used instead.
    """
    if image_exists(official) and not is_standin(official):
        log(f"using the real {official}")
        return official
    folder = STANDINS / OFFICIAL_IMAGES[official]
    digest = _digest(
        base.encode(), STANDIN_LABEL.encode(), CONSTRAINTS.read_bytes(), *_inputs(folder)
    )
    private = f"{PRIVATE_REPOSITORY}/{folder.name}:{digest}"
    if not image_exists(private):
        log(f"building {official} (stand-in {private})")
        with tempfile.TemporaryDirectory(prefix=f"standin-{folder.name}-") as context:
            shutil.copytree(folder, context, dirs_exist_ok=True)
            shutil.copy(CONSTRAINTS, Path(context) / "constraints.txt")
            result = subprocess.run(
                [
                    "docker",
                    "build",
                    "--build-arg",
                    f"BASE={base}",
                    "--label",
                    STANDIN_LABEL,
                    "-t",
                    private,
                    context,
                ],
                capture_output=True,
                text=True,
                env=_legacy_builder_env(),
            )
        # Multi-stage builds leave their first stages as untagged images: drop them.
        subprocess.run(
            ["docker", "image", "prune", "-f", "--filter", f"label={BUILD_STAGE_LABEL}"],
            capture_output=True,
        )
        if result.returncode != 0:
            raise RuntimeError(f"building {official} failed:\n{result.stdout[-4000:]}")
    docker("tag", private, official)
    _remove_stale(folder.name, keep=private)
    return private


def _legacy_builder_env() -> dict[str, str]:
    # The engine here is Debian's 20.10 without buildx: the classic builder is what it has.
    return {**os.environ, "DOCKER_BUILDKIT": "0"}


def _remove_stale(name: str, keep: str) -> None:
    """Earlier builds of the same stand-in, so the cache holds one image per stand-in."""
    listed = docker(
        "image", "ls", "--format", "{{.Repository}}:{{.Tag}}", f"{PRIVATE_REPOSITORY}/{name}",
        capture_output=True,
    ).stdout.split()  # fmt: skip
    for tag in listed:
        if tag != keep:
            subprocess.run(["docker", "rmi", tag], capture_output=True)


def build_all(log=print) -> dict[str, str]:
    """Every stand-in, built or reused; returns official name -> private tag."""
    base = base_image(log)
    return {official: build_standin(official, base, log) for official in OFFICIAL_IMAGES}


def untag_official_names() -> None:
    """Take the official names off the stand-ins (their private tags keep them cached)."""
    for official in OFFICIAL_IMAGES:
        if image_exists(official) and is_standin(official):
            subprocess.run(["docker", "rmi", official], capture_output=True)


def main() -> None:
    if sys.argv[1:] != ["build"]:
        sys.exit("usage: python -m tests.compose.standins build")
    for official, private in build_all().items():
        print(f"{official:35} {private}")


if __name__ == "__main__":
    main()
