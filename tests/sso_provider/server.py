"""Start and stop the test identity provider (this package) as a real server on loopback:
its own Python process under gunicorn, its own SQLite file, its own RSA signing key."""

from __future__ import annotations

import json
import os
import secrets
import socket
import subprocess
import sys
import time
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa

ROOT = Path(__file__).resolve().parents[2]


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@dataclass
class Provider:
    issuer: str
    client_id: str
    client_secret: str
    discovery: dict
    key_file: Path
    process: subprocess.Popen = field(repr=False)
    log: Path = field(repr=False)

    @classmethod
    def start(cls, workdir: Path, *, redirect_uri: str, people: list[dict]) -> Provider:
        workdir.mkdir(parents=True, exist_ok=True)
        key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
        key_file = workdir / "signing-key.pem"
        key_file.write_bytes(
            key.private_bytes(
                serialization.Encoding.PEM,
                serialization.PrivateFormat.PKCS8,
                serialization.NoEncryption(),
            )
        )
        port = _free_port()
        issuer = f"http://127.0.0.1:{port}/o"
        client_id, client_secret = "mingshi", secrets.token_urlsafe(32)
        env = {
            key: value
            for key, value in os.environ.items()
            if not key.startswith(("DJANGO_", "DATABASE_", "MINGSHI_"))
        }
        env.update(
            DJANGO_SETTINGS_MODULE="tests.sso_provider.settings",
            PYTHONPATH=str(ROOT),
            SSO_PROVIDER_DB=str(workdir / "provider.sqlite3"),
            SSO_PROVIDER_KEY_FILE=str(key_file),
            SSO_PROVIDER_ISSUER=issuer,
            SSO_PROVIDER_SPEC=json.dumps(
                {
                    "people": people,
                    "client_id": client_id,
                    "client_secret": client_secret,
                    "redirect_uri": redirect_uri,
                }
            ),
        )
        # Run from the work directory, so that gunicorn does not pick up Mingshi's own
        # gunicorn.conf.py at the repository's root.
        subprocess.run(
            [sys.executable, "-m", "tests.sso_provider.prepare"],
            cwd=workdir,
            env=env,
            check=True,
            capture_output=True,
        )
        log = workdir / "provider.log"
        process = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "gunicorn",
                "tests.sso_provider.wsgi:application",
                "--bind",
                f"127.0.0.1:{port}",
                "--workers",
                "1",
                "--threads",
                "4",
                "--no-control-socket",
                "--error-logfile",
                str(log),
            ],
            cwd=workdir,
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        url = f"{issuer}/.well-known/openid-configuration"
        deadline = time.monotonic() + 30
        while True:
            try:
                with urllib.request.urlopen(url, timeout=2) as response:
                    discovery = json.load(response)
                break
            except OSError:
                if process.poll() is not None or time.monotonic() > deadline:
                    process.kill()
                    raise RuntimeError(f"no test provider: {log.read_text()}") from None
                time.sleep(0.2)
        return cls(issuer, client_id, client_secret, discovery, key_file, process, log)

    def mingshi_settings(self) -> dict:
        """What a bureau's IT office puts in Mingshi's environment, read from the provider's
        discovery document as they would."""
        return {
            "MINGSHI_OIDC_ISSUER": self.discovery["issuer"].rstrip("/"),
            "OIDC_RP_CLIENT_ID": self.client_id,
            "OIDC_RP_CLIENT_SECRET": self.client_secret,
            "OIDC_OP_AUTHORIZATION_ENDPOINT": self.discovery["authorization_endpoint"],
            "OIDC_OP_TOKEN_ENDPOINT": self.discovery["token_endpoint"],
            "OIDC_OP_USER_ENDPOINT": self.discovery["userinfo_endpoint"],
            "OIDC_OP_JWKS_ENDPOINT": self.discovery["jwks_uri"],
            "OIDC_RP_SIGN_ALGO": "RS256",
        }

    def stop(self) -> None:
        self.process.terminate()
        try:
            self.process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.process.kill()
