"""moto's S3 in server mode, with request signatures checked: IAM auth on after the three calls that
make a user, its policy and its access key. Prints "ready PORT" once the bucket exists; the key pair
goes to the file named by the first argument."""
import json
import os
import sys
import threading

os.environ["INITIAL_NO_AUTH_ACTION_COUNT"] = "3"
os.environ.setdefault("MOTO_ALLOW_NONEXISTENT_REGION", "true")

import boto3  # noqa: E402
from moto.server import ThreadedMotoServer  # noqa: E402

# moto says it is starting on stdout, where only "ready PORT" may go.
ready_out, sys.stdout = sys.stdout, sys.stderr
server = ThreadedMotoServer(ip_address="127.0.0.1", port=0)
server.start()
host, port = server.get_host_and_port()
endpoint = f"http://127.0.0.1:{port}"
iam = boto3.client("iam", endpoint_url=endpoint, region_name="us-east-1", aws_access_key_id="bootstrap", aws_secret_access_key="bootstrap")
iam.create_user(UserName="swissagent")
iam.put_user_policy(UserName="swissagent", PolicyName="s3", PolicyDocument=json.dumps(
    {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "s3:*", "Resource": "*"}]}))
key = iam.create_access_key(UserName="swissagent")["AccessKey"]
s3 = boto3.client("s3", endpoint_url=endpoint, region_name="us-east-1", aws_access_key_id=key["AccessKeyId"],
                  aws_secret_access_key=key["SecretAccessKey"])
s3.create_bucket(Bucket="artifacts")
with open(sys.argv[1], "w") as f:
    f.write(key["AccessKeyId"] + "\n" + key["SecretAccessKey"] + "\n")
print(f"ready {port}", file=ready_out, flush=True)
threading.Event().wait()
