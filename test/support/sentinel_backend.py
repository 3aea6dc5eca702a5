"""The backend's Sentinel set-up as the README gives it, run against the test Sentinels.

Reads one JSON argument (sentinels, service, password, sentinel_password, db, key, value), writes
the key through master_for, and prints the master address the Sentinels gave as JSON.
"""
import json
import sys

from redis.sentinel import Sentinel

args = json.loads(sys.argv[1])
sentinel = Sentinel(
    [(host, port) for host, port in args["sentinels"]],
    sentinel_kwargs={"password": args["sentinel_password"]} if args.get("sentinel_password") else {},
    password=args.get("password"),
    db=args["db"],
    socket_timeout=5,
)
redis_client = sentinel.master_for(args["service"])
redis_client.set(args["key"], args["value"])
host, port = sentinel.discover_master(args["service"])
print(json.dumps({"master": "%s:%s" % (host, port)}))
