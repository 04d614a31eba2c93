#!/usr/bin/env python3
"""A tiny token server for the distribution token auth spec, for tests.

    tokenserver.py KEY.pem CERT.pem USER PASSWORD ISSUER LOGFILE

Listens on 127.0.0.1 (a free port, printed on stdout), answers
GET /token?service=S&scope=repository:NAME:ACTIONS with
{"token": JWT, "expires_in": 300}: an RS256 JWT signed with KEY (by the
openssl command) whose x5c header holds CERT, so a registry that has CERT
in its rootcertbundle trusts it. With the right basic credentials the
token grants the actions asked for; without credentials it grants nothing
(Docker Hub's anonymous token); wrong credentials get 401. Each request
is logged to LOGFILE as "user=NAME|- scope=..." (never the password).
"""
import base64
import http.server
import json
import subprocess
import sys
import time
import urllib.parse

KEY, CERT, USER, PASSWORD, ISSUER, LOG = sys.argv[1:7]


def b64url(b):
    return base64.urlsafe_b64encode(b).rstrip(b"=").decode()


def cert_der():
    pem = open(CERT).read()
    body = pem.split("-----BEGIN CERTIFICATE-----")[1].split("-----END CERTIFICATE-----")[0]
    return "".join(body.split())  # x5c is standard base64 of the DER


def sign(service, access, sub):
    now = int(time.time())
    header = {"alg": "RS256", "typ": "JWT", "x5c": [cert_der()]}
    claims = {"iss": ISSUER, "sub": sub, "aud": service, "exp": now + 300,
              "nbf": now - 10, "iat": now, "jti": str(now) + sub,
              "access": access}
    data = (b64url(json.dumps(header).encode()) + "." +
            b64url(json.dumps(claims).encode())).encode()
    sig = subprocess.run(["openssl", "dgst", "-sha256", "-sign", KEY],
                         input=data, capture_output=True, check=True).stdout
    return data.decode() + "." + b64url(sig)


class Handler(http.server.BaseHTTPRequestHandler):
    def log_message(self, *a):
        pass

    def reply(self, code, body):
        b = json.dumps(body).encode()
        self.send_response(code)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(b)))
        self.end_headers()
        self.wfile.write(b)

    def do_GET(self):
        u = urllib.parse.urlparse(self.path)
        q = urllib.parse.parse_qs(u.query)
        user = None
        h = self.headers.get("Authorization", "")
        if h.startswith("Basic "):
            u_, _, p_ = base64.b64decode(h[6:]).decode().partition(":")
            if (u_, p_) != (USER, PASSWORD):
                with open(LOG, "a") as f:
                    f.write("user=%s bad-password\n" % u_)
                return self.reply(401, {"errors": [{"code": "UNAUTHORIZED",
                                                    "message": "bad credentials"}]})
            user = u_
        access = []
        for s in q.get("scope", []):
            typ, name, actions = s.split(":")[0], ":".join(s.split(":")[1:-1]), s.split(":")[-1]
            if user:
                access.append({"type": typ, "name": name, "actions": actions.split(",")})
        with open(LOG, "a") as f:
            f.write("user=%s scope=%s\n" % (user or "-", ",".join(q.get("scope", []))))
        self.reply(200, {"token": sign(q.get("service", [""])[0], access, user or ""),
                         "expires_in": 300})


srv = http.server.HTTPServer(("127.0.0.1", 0), Handler)
print(srv.server_address[1], flush=True)
srv.serve_forever()
