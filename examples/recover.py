#!/usr/bin/env python3
"""Recovers the demo account through Regain's JSON API and the development mailbox.

    ./dev run                                   # in one terminal
    python3 examples/recover.py http://127.0.0.1:3000 "a new passphrase of yours"

Standard library only. Each step prints what it did; a refused step prints the problem
document's code and detail and exits with status 1.
"""
import json
import re
import sys
import time
import urllib.error
import urllib.request

BASE = (sys.argv[1] if len(sys.argv) > 1 else "http://127.0.0.1:3000").rstrip("/")
NEW_PASSWORD = sys.argv[2] if len(sys.argv) > 2 else "violet quartz lantern 4417"
USER = "anna.rossi@example.com"
ALTERNATE = "anna.home@example.net"  # her registered alternate address, typed in full


def call(method, path, body=None, flow=None, session=None):
    """One API call: JSON in and out; a problem document ends the script."""
    headers = {"Accept": "application/json", "Accept-Language": "en"}
    data = None
    if body is not None:
        data = json.dumps(body).encode()
        headers["Content-Type"] = "application/json"
    if flow:
        headers["Regain-Flow"] = flow
    if session:
        headers["Authorization"] = "Bearer " + session
    request = urllib.request.Request(BASE + "/api/v1" + path, data, headers, method=method)
    try:
        with urllib.request.urlopen(request) as response:
            raw = response.read()
            return json.loads(raw) if raw else None
    except urllib.error.HTTPError as error:
        problem = json.loads(error.read() or b"{}")
        sys.exit(f"{method} {path}: {error.code} {problem.get('code')}: {problem.get('detail')}")


def newest_code(to):
    """The 8-digit code of the newest message to `to` in the development mailbox."""
    for _ in range(50):
        for mail in call("GET", "/dev/mailbox"):
            if mail["recipient"] == to:
                found = re.search(r"\b\d{8}\b", mail["body"])
                if found:
                    return found.group()
        time.sleep(0.2)
    sys.exit(f"no code reached {to}")


flow = call("POST", "/recovery/start", {"user_id": USER})["flow_token"]
print("started a recovery for", USER)
call("POST", "/recovery/purpose", {"purpose": "reset"}, flow=flow)
view = call("GET", "/recovery/flow", flow=flow)
gate = next(g for g in view["gates"] if g["kind"] == "email")
print(f"gate {view['gate']} of {view['required']}: email to {gate['masked']}")
call("POST", "/recovery/method", {"option": gate["index"], "typed": ALTERNATE}, flow=flow)
code = newest_code(ALTERNATE)
print("the code arrived in the development mailbox")
call("POST", "/recovery/code", {"code": code}, flow=flow)
state = call("GET", "/recovery/flow", flow=flow)["state"]
assert state == "new_password", state
call("POST", "/recovery/password", {"new": NEW_PASSWORD, "confirm": NEW_PASSWORD}, flow=flow)
print("new password set")
session = call("POST", "/auth/sign-in", {"user_id": USER, "password": NEW_PASSWORD})["token"]
me = call("GET", "/account", session=session)
print("signed in as", me["display_name"], "<" + me["email"] + ">")
call("POST", "/auth/sign-out", session=session)
print("signed out")
