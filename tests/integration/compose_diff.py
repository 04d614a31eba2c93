#!/usr/bin/env python3
"""compose_diff.py OLD.yml NEW.json PROJECT: is skiff's `compose config`
(NEW, JSON) the model Debian's docker-compose 1.29 printed (OLD, YAML)?

1.29's output is brought to skiff's normalised form by the rules below,
one per known difference, each with its reason; then the two must be
equal. Prints the differences and exits 1 when they are not."""
import json
import sys

import yaml


def port(p):
    # 1.29 mixes short strings ("127.0.0.1:9000:90/udp") and long forms
    # with integer published ports; skiff prints every port long, with
    # mode and protocol, published as a string (compose v2's shape, and
    # a range "9000-9001" stays one value).
    if isinstance(p, dict):
        q = dict(p)
        q.setdefault("mode", "ingress")
        q.setdefault("protocol", "tcp")
        if "published" in q:
            q["published"] = str(q["published"])
        return q
    spec, _, proto = str(p).partition("/")
    parts = spec.split(":")
    ip, host, ctr = ([None, None] + parts)[-3:]
    q = {"mode": "ingress", "target": int(ctr), "protocol": proto or "tcp"}
    if host:
        q["published"] = host
    if ip:
        q["host_ip"] = ip
    return q


def volume(v):
    # 1.29 prints short volumes ("data:/d:rw"); skiff the long syntax
    # (type, source, target, read_only, bind/volume options) as v2.
    if isinstance(v, dict):
        return v
    parts = v.split(":")
    if len(parts) == 1:
        return {"type": "volume", "target": parts[0], "volume": {}}
    src, dst = parts[0], parts[1]
    mode = parts[2] if len(parts) > 2 else "rw"
    if src.startswith("/"):
        q = {"type": "bind", "source": src, "target": dst,
             "bind": {"create_host_path": True}}
    else:
        q = {"type": "volume", "source": src, "target": dst, "volume": {}}
    if "ro" in mode.split(","):
        q["read_only"] = True
    return q


def unescape(v):
    # 1.29 prints "$$" for a literal dollar so its output can be read
    # again; skiff prints the model skiffd gets: the value itself.
    if isinstance(v, str):
        return v.replace("$$", "$")
    if isinstance(v, dict):
        return {k: unescape(x) for k, x in v.items()}
    if isinstance(v, list):
        return [unescape(x) for x in v]
    return v


def service(s):
    s = dict(s)
    if "ports" in s:
        s["ports"] = [port(p) for p in s["ports"]]
    if "volumes" in s:
        # Mount order is not meaningful; an override's volume replaces
        # the one of the same target in place in skiff, at the end in
        # 1.29: both sorted by target to compare.
        s["volumes"] = [volume(v) for v in s["volumes"]]
    # Strings of command/entrypoint are split into words as compose v2
    # does (skiffd gets argv); a string healthcheck test is CMD-SHELL.
    for k in ("command", "entrypoint"):
        if isinstance(s.get(k), str):
            import shlex
            s[k] = shlex.split(s[k])
    hc = s.get("healthcheck")
    if hc and isinstance(hc.get("test"), str):
        hc["test"] = ["CMD-SHELL", hc["test"]]
    # expose: v2 and skiff keep strings; 1.29 keeps what was written.
    if "expose" in s:
        s["expose"] = [str(x) for x in s["expose"]]
    # depends_on gains `required: true`: the spec's key, newer than 1.29.
    for d in (s.get("depends_on") or {}).values():
        d.setdefault("required", True)
    # A service with no networks is on the project's default network:
    # skiff says so in the model (v2 too), 1.29 leaves it implicit.
    if "networks" not in s and "network_mode" not in s:
        s["networks"] = {"default": None}
    return s


def to_skiff(old, project, profiles):
    m = {k: v for k, v in old.items()
         # `version` is obsolete in the spec (v2 drops it too).
         if k != "version"}
    m["services"] = {n: service(s) for n, s in m.get("services", {}).items()
                     # 1.29's config keeps services of profiles that are
                     # off; v2 and skiff print the project as it runs.
                     if not s.get("profiles") or
                     set(s["profiles"]) & set(profiles)}
    # Top-level `name` (the spec's, newer than 1.29) is the project name.
    m["name"] = project
    # Networks and volumes carry the engine's name of each, PROJECT_KEY
    # unless external (v2 prints the same), and the default network is
    # declared when a service uses it.
    if any("default" in (s.get("networks") or {})
           for s in m["services"].values()):
        m.setdefault("networks", {}).setdefault("default", {})
    for kind in ("networks", "volumes"):
        for k, v in (m.get(kind) or {}).items():
            v = v or {}
            if v.get("external"):
                v.setdefault("name", k)
            else:
                v.setdefault("name", "%s_%s" % (project, k))
            m[kind][k] = v
    return unescape(m)


def diff(a, b, path, out):
    if isinstance(a, dict) and isinstance(b, dict):
        for k in sorted(set(a) | set(b)):
            if k not in a:
                out.append("%s.%s: only skiff has %r" % (path, k, b[k]))
            elif k not in b:
                out.append("%s.%s: only docker-compose has %r" % (path, k, a[k]))
            else:
                diff(a[k], b[k], "%s.%s" % (path, k), out)
    elif a != b:
        out.append("%s: docker-compose %r, skiff %r" % (path, a, b))


def main():
    old = yaml.safe_load(open(sys.argv[1]))
    new = json.load(open(sys.argv[2]))
    # x- extensions at the top: 1.29 drops them from its output, skiff
    # and v2 keep them; compared without.
    new = {k: v for k, v in new.items() if not k.startswith("x-")}
    for sv in new.get("services", {}).values():
        if "volumes" in sv:
            sv["volumes"].sort(key=lambda v: v["target"])
    old_m = to_skiff(old, sys.argv[3], sys.argv[4:])
    for sv in old_m.get("services", {}).values():
        if "volumes" in sv:
            sv["volumes"].sort(key=lambda v: v["target"])
    out = []
    diff(old_m, new, "", out)
    for line in out:
        print("# diff " + line)
    sys.exit(1 if out else 0)


main()
