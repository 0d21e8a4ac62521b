"""``chorus user``: accounts of the review web UI."""

from __future__ import annotations

import sys

import click

from ..cli import project_option
from ..errors import ChorusError
from ..project import Project, parse_langs


def _store(project: Project):
    from ..users import UserStore

    return UserStore.for_project(project)


def _read_password(from_stdin: bool, generate: bool) -> tuple[str, bool]:
    """The new password and whether it must be printed (it was generated)."""
    if generate and from_stdin:
        raise ChorusError("use either --password-stdin or --generate-password")
    if generate:
        from ..users import generate_password

        return generate_password(), True
    if from_stdin:
        line = sys.stdin.readline().rstrip("\r\n")
        if not line:
            raise ChorusError("no password on standard input")
        return line, False
    return click.prompt("Password", hide_input=True, confirmation_prompt=True), False


def _password_options(function):
    function = click.option("--generate-password", "generate", is_flag=True,
                            help="Make up a strong password and print it once.")(function)
    return click.option("--password-stdin", "from_stdin", is_flag=True,
                        help="Read the password from the first line of standard input.")(function)


def register(cli) -> None:
    @cli.group()
    def user():
        """Accounts of the review web UI (stored in .chorus/instance/, outside translations/).

        \b
        Roles: translator (edits the languages given with --lang),
               reviewer (also approves; all languages unless --lang is given),
               coordinator (everything: statements, exports, accounts).
        """

    @user.command("add")
    @click.argument("name")
    @click.option("--role", type=click.Choice(["translator", "reviewer", "coordinator"]),
                  default="translator", show_default=True, help="What the user may do.")
    @click.option("--lang", "langs", default="", help="Languages the user works on, comma separated: es,fr.")
    @click.option("--email", metavar="ADDR", help="Where notifications go (the user can change it later).")
    @click.option("--exist-ok", is_flag=True, help="Do nothing (and succeed) when the user exists.")
    @_password_options
    @project_option
    def add(name, role, langs, email, exist_ok, from_stdin, generate, project):
        """Create the account NAME (asks for its password)."""
        from ..users import check_email, check_name, check_role

        store = _store(project)
        name = check_name(name)
        chosen = parse_langs(langs) if langs.strip() else []
        check_role(role, chosen)
        email = check_email(email) if email is not None else None
        if exist_ok and store.get(name):
            click.echo(f"User {name} exists already; its password is unchanged "
                       f"(new one: chorus user passwd {name} --generate-password).")
            return
        password, show = _read_password(from_stdin, generate)
        created = store.add(name, password, role=role, langs=chosen, email=email)
        mail = f", mail to {created.email}" if created.email else ""
        click.echo(f"Added {created.name}: {created.role}, languages: {created.describe_langs()}{mail}.")
        if show:
            click.echo(f"Password for {name} (shown only now): {password}")

    @user.command("list")
    @project_option
    def list_users(project):
        """Show the accounts."""
        from rich.table import Table

        from ..cli import console

        users = _store(project).all()
        if not users:
            click.echo("No users yet: chorus user add NAME --role coordinator")
            return
        table = Table(title="Users")
        for heading in ("name", "role", "languages", "mail", "API token"):
            table.add_column(heading)
        for account in users:
            table.add_row(account.name, account.role, account.describe_langs(), account.email or "",
                          "yes" if account.has_token else "no")
        console().print(table)

    @user.command("email")
    @click.argument("name")
    @click.argument("address", required=False)
    @click.option("--clear", is_flag=True, help="No mail address: no notifications by mail.")
    @project_option
    def email(name, address, clear, project):
        """Show or set the mail address of NAME (users also change it on their account page)."""
        store = _store(project)
        account = store.require(name)
        if address is not None and clear:
            raise ChorusError("give an address or --clear, not both")
        if address is not None or clear:
            account = store.set_email(name, None if clear else address)
        click.echo(f"{name}: {account.email or 'no mail address'}")

    @user.command("remove")
    @click.argument("name")
    @project_option
    def remove(name, project):
        """Delete the account NAME: its sessions and API token end (its comments and history stay)."""
        _store(project).remove(name)
        click.echo(f"Removed {name}; its sessions and API token ended.")

    @user.command("passwd")
    @click.argument("name")
    @_password_options
    @project_option
    def passwd(name, from_stdin, generate, project):
        """Set a new password for NAME (the sessions and the API token of NAME end)."""
        store = _store(project)
        store.require(name)
        password, show = _read_password(from_stdin, generate)
        store.set_password(name, password)
        click.echo(f"Password of {name} changed; its sessions and API token ended "
                   f"(a new token: chorus user token {name}).")
        if show:
            click.echo(f"Password for {name} (shown only now): {password}")

    @user.command("token")
    @click.argument("name")
    @click.option("--revoke", is_flag=True, help="End the API token of NAME and make no new one.")
    @project_option
    def token(name, revoke, project):
        """Make a new API token for NAME (the old one stops working); printed last."""
        store = _store(project)
        store.require(name)
        if revoke:
            had = store.revoke_token(name)
            click.echo(f"API token of {name} revoked." if had else f"{name} had no API token; nothing to revoke.")
            return
        click.echo(f"API token for {name} (shown only now; send it as 'Authorization: Bearer TOKEN'): "
                   f"{store.new_token(name)}")
