"""Command line of the district's broker files.

python -m broker accounts ACCOUNTS.yaml [MORE.yaml ...] DIR   password file, ACL and new passwords in DIR
python -m broker config DIR [--port 1883] [--tls-port 8883 --cafile CA --certfile CERT --keyfile KEY]
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path
import sys

from .accounts import (
    AccountsError,
    DistrictAccounts,
    acl_file,
    usernames_of,
    write_password_file,
)
from .config import ACL_FILE, PASSWORD_FILE, TlsListener, render_config, write_config

NEW_ACCOUNTS_FILE = "new-accounts.json"


def _accounts(accounts_files: list[Path], directory: Path) -> int:
    districts = [DistrictAccounts.load(path) for path in accounts_files]
    usernames = usernames_of(districts)
    directory.mkdir(parents=True, exist_ok=True)
    created = write_password_file(directory / PASSWORD_FILE, usernames)
    (directory / ACL_FILE).write_text(acl_file(districts), encoding="utf-8")
    print(f"{len(usernames)} accounts in {directory / PASSWORD_FILE} and {ACL_FILE}")
    if created:
        new_accounts = directory / NEW_ACCOUNTS_FILE
        new_accounts.touch(mode=0o600)
        new_accounts.write_text(json.dumps(created, indent=2) + "\n", encoding="utf-8")
        print(f"{len(created)} new accounts; their passwords are in {new_accounts}:")
        print("hand each to its compound, then delete the file")
    return 0


def _config(args: argparse.Namespace) -> int:
    tls = None
    if args.tls_port:
        if not (args.cafile and args.certfile and args.keyfile):
            print("--tls-port needs --cafile, --certfile and --keyfile", file=sys.stderr)
            return 2
        tls = TlsListener(args.tls_port, args.cafile, args.certfile, args.keyfile, args.tls_bind)
    config = render_config(args.directory, port=args.port, bind=args.bind, tls=tls, user=args.user)
    print(write_config(args.directory, config))
    return 0


def main(argv: list[str] | None = None) -> int:
    """Run the command line."""
    parser = argparse.ArgumentParser(prog="python -m broker", description=__doc__)
    commands = parser.add_subparsers(dest="command", required=True)
    accounts = commands.add_parser(
        "accounts", help="write the password file and the ACL of the districts sharing the broker"
    )
    accounts.add_argument("accounts_files", type=Path, nargs="+", metavar="ACCOUNTS.yaml")
    accounts.add_argument("directory", type=Path)
    config = commands.add_parser("config", help="render mosquitto.conf from the template")
    config.add_argument("directory", type=Path)
    config.add_argument("--port", type=int, default=1883)
    config.add_argument("--bind", default="127.0.0.1")
    config.add_argument("--user", default="mosquitto", help="who Mosquitto runs as when root")
    config.add_argument("--tls-port", type=int)
    config.add_argument("--tls-bind", default="0.0.0.0")  # noqa: S104 - the district's network
    config.add_argument("--cafile", type=Path)
    config.add_argument("--certfile", type=Path)
    config.add_argument("--keyfile", type=Path)
    args = parser.parse_args(argv)
    try:
        if args.command == "accounts":
            return _accounts(args.accounts_files, args.directory.resolve())
        args.directory = args.directory.resolve()
        return _config(args)
    except (AccountsError, OSError) as err:
        print(f"broker: {err}", file=sys.stderr)
        return 1


if __name__ == "__main__":
    sys.exit(main())
