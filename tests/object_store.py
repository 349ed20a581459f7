"""A real S3 API on 127.0.0.1 for the tests: moto's server (``moto_server``) in its own process, with
IAM authentication on, so that wrong credentials are refused as a real store refuses them.

moto enforces credentials after ``INITIAL_NO_AUTH_ACTION_COUNT`` requests; the first few (create a
user, give it a policy, make its access key, make the bucket) go through unauthenticated, every
later one must be signed with that key.
"""

from __future__ import annotations

import json
import os
import shutil
import socket
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

# the unauthenticated set-up requests: create user, put its policy, create its access key
SETUP_ACTIONS = 3
START_TIMEOUT_S = 30.0
REGION = "us-east-1"
BUCKET = "leodc-runs"
ALLOW_ALL = {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "*", "Resource": "*"}]}


@dataclass(frozen=True)
class ObjectStore:
    endpoint: str
    access_key: str
    secret_key: str
    bucket: str
    process: subprocess.Popen

    def env(self, **overrides: str) -> dict[str, str]:
        """The environment a process needs to reach the store (``overrides`` win)."""
        env = {k: v for k, v in os.environ.items() if not k.startswith("AWS_") and k != "LEODC_S3_ENDPOINT"}
        env.update({"AWS_ENDPOINT_URL": self.endpoint, "AWS_ACCESS_KEY_ID": self.access_key,
                    "AWS_SECRET_ACCESS_KEY": self.secret_key, "AWS_DEFAULT_REGION": REGION,
                    "NO_PROXY": "127.0.0.1,localhost",
                    # never ask an instance-metadata service for credentials or a region: 127.0.0.1 only
                    "AWS_EC2_METADATA_DISABLED": "true"})
        env.update(overrides)
        return env

    def client(self):
        import boto3

        return boto3.client("s3", endpoint_url=self.endpoint, region_name=REGION, aws_access_key_id=self.access_key,
                            aws_secret_access_key=self.secret_key)

    def keys(self, prefix: str) -> list[str]:
        pages = self.client().get_paginator("list_objects_v2").paginate(Bucket=self.bucket, Prefix=prefix)
        return sorted(o["Key"] for page in pages for o in page.get("Contents", []))


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def start(log: Path) -> ObjectStore:
    """Start moto's server on a free port of 127.0.0.1, make a user with a key and a bucket."""
    import boto3

    port = _free_port()
    exe = shutil.which("moto_server", path=str(Path(sys.executable).parent)) or "moto_server"
    env = dict(os.environ, INITIAL_NO_AUTH_ACTION_COUNT=str(SETUP_ACTIONS))
    process = subprocess.Popen([exe, "-H", "127.0.0.1", "-p", str(port)], env=env, stdout=log.open("wb"),
                               stderr=subprocess.STDOUT)
    deadline = time.monotonic() + START_TIMEOUT_S
    while True:
        try:
            socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
            break
        except OSError:
            if time.monotonic() > deadline or process.poll() is not None:
                process.kill()
                raise RuntimeError(f"moto_server did not start (see {log})") from None
            time.sleep(0.1)
    endpoint = f"http://127.0.0.1:{port}"
    anon = {"endpoint_url": endpoint, "region_name": REGION, "aws_access_key_id": "setup",
            "aws_secret_access_key": "setup"}
    iam = boto3.client("iam", **anon)
    iam.create_user(UserName="leodc")
    iam.put_user_policy(UserName="leodc", PolicyName="all", PolicyDocument=json.dumps(ALLOW_ALL))
    key = iam.create_access_key(UserName="leodc")["AccessKey"]
    store = ObjectStore(endpoint, key["AccessKeyId"], key["SecretAccessKey"], BUCKET, process)
    store.client().create_bucket(Bucket=BUCKET)
    return store
