"""moto's server with IAM enforced, in a process of its own: AWS that says no.

moto checks every request's signature and the caller's policies once ``/moto-api/reset-auth``
has been told how many requests may still pass unchecked (0 here, after the set-up): IAM users
and assumed roles, their inline and attached policies, and trust policies on AssumeRole. It
checks each request's resource for S3 (bucket and object ARNs) and STS (the role's ARN), and
for IAM actions on a role that exists. For every other service it checks the action alone,
against the resource ``*``.

Two kinds of call the project's policies scope to an ARN reach moto as ``*`` and would be
refused by any scoped policy, so this process tells moto their resource before it starts, as
AWS authorizes them: an IAM call naming a role that does not exist yet (``iam:GetRole`` before
a create, ``iam:CreateRole``: the role's ARN; moto only knows the ARN of a role that exists),
and ``sns:Publish`` (the topic). And a trust policy whose
statement names only a service (``{"Service": "redshift.amazonaws.com"}``) made moto fail with
a 500 when an IAM identity tried to assume the role; here that statement does not match the
identity, as in AWS, so the AssumeRole is refused. And moto asks ``s3:HeadBucket`` of a HEAD on
a bucket, which is no IAM action: AWS authorizes HeadBucket as ``s3:ListBucket``, and so does
this server. Nothing else is changed.

Run as ``python -m tests.support.enforced_moto``: it prints the port it listens on (one the
system gave it, so two test processes can never pick the same); ``EnforcedMoto`` starts and
stops it.
"""

from __future__ import annotations

import signal
import subprocess
import sys
import urllib.request

ACCOUNT = "123456789012"  # moto's default account


def _install_resources() -> None:
    from moto.iam.access_control import IAMPolicyStatement
    from moto.iam.responses import IamResponse
    from moto.s3 import responses as s3_responses
    from moto.sns.responses import SNSResponse

    determine_iam = IamResponse._determine_resource

    def iam_resource(self) -> str:
        resource = determine_iam(self)
        name = self._get_param("RoleName")
        if resource == "*" and name:
            path = self._get_param("Path") or "/"
            return f"arn:aws:iam::{self.current_account}:role{path}{name}"
        return resource

    def sns_resource(self) -> str:
        return self._get_param("TopicArn") or self._get_param("TargetArn") or "*"

    def principal_matches(self, principal: str) -> bool:
        expected = self._statement.get("Principal")
        if not expected:
            return True
        allowed = expected.get("AWS") if isinstance(expected, dict) else expected
        if allowed is None:  # a service or federated principal: never an IAM identity
            return False
        return allowed == "*" or principal == allowed or principal in allowed

    s3_responses.ACTION_MAP["BUCKET"]["HEAD"]["DEFAULT"] = "ListBucket"
    IamResponse._determine_resource = iam_resource
    SNSResponse._determine_resource = sns_resource
    IAMPolicyStatement._check_principal = principal_matches


class EnforcedMoto:
    """The server in a process of its own; ``enforce()`` ends the unchecked set-up."""

    def __init__(self) -> None:
        self.process: subprocess.Popen | None = None
        self.endpoint = ""

    def __enter__(self) -> EnforcedMoto:
        self.process = subprocess.Popen(
            [sys.executable, "-m", "tests.support.enforced_moto"],
            stdout=subprocess.PIPE,
            stderr=subprocess.DEVNULL,
            text=True,
        )
        port = self.process.stdout.readline().strip()
        if not port.isdigit():
            self.__exit__(None, None, None)
            raise RuntimeError(f"moto's server did not start (it said {port!r})")
        self.endpoint = f"http://127.0.0.1:{port}"
        return self

    def __exit__(self, *_) -> None:
        self.process.terminate()
        try:
            self.process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()
        self.process.stdout.close()

    def enforce(self, unchecked: int = 0) -> None:
        """From now on every request but the next ``unchecked`` is authenticated and authorized."""
        request = urllib.request.Request(
            f"{self.endpoint}/moto-api/reset-auth",
            data=str(unchecked).encode(),
            headers={"Content-Type": "text/plain"},  # a form body would reach moto empty
            method="POST",
        )
        with urllib.request.urlopen(request, timeout=10):
            pass

    def relax(self) -> None:
        """Every request passes again (for a test's own clean-up)."""
        self.enforce(unchecked=10**9)


def serve() -> None:
    """Serve on a port the system picks, say which, and run until terminated."""
    stop = {signal.SIGTERM, signal.SIGINT}
    signal.pthread_sigmask(signal.SIG_BLOCK, stop)  # for sigwait, in every thread started now
    _install_resources()
    from moto.server import ThreadedMotoServer

    server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    server.start()
    print(server.get_host_and_port()[1], flush=True)
    signal.sigwait(stop)
    server.stop()


if __name__ == "__main__":
    serve()
