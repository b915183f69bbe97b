"""Staff accounts: adding, changing, disabling and removing them, each refusal one sentence.

`hallq user` and the admin's accounts page (admin/) both come here, and through
here to the store, whose every account change is one transaction with its row
in the audit log (who, when, what, before, after — never a password or its
hash) and the sessions it ends. A new role, a new password, a disabled or a
removed account ends that account's sessions; the store tells the push, which
closes their sockets.

`by` names who made the change: a signed-in admin's username, or
`cli:<system user>` for `hallq user`.
"""
from __future__ import annotations

import getpass
from datetime import datetime
from typing import Optional

from hall.auth import hash_password, validate_new_user, validate_password, validate_role
from hall.errors import HallError

NAME_CHARS = 40


def cli_actor() -> str:
    """Who `hallq user` acts as in the audit log: cli:<the system user running it>."""
    try:
        return "cli:" + getpass.getuser()
    except Exception:  # no user name in this environment (a container without one)
        return "cli"


def validate_name(name: str) -> str:
    """The name shown on screens, stripped; refused when empty, too long or holding control characters."""
    name = name.strip() if isinstance(name, str) else ""
    if not name or len(name) > NAME_CHARS or any(ord(c) < 32 for c in name):
        raise HallError("invalid_name", f"姓名不能为空，最多 {NAME_CHARS} 个字，且不能含控制字符。",
                        f"A name must be 1 to {NAME_CHARS} characters, without control characters.", 400)
    return name


def _unknown(username: str) -> HallError:
    return HallError("unknown_account", f"没有名为 {username} 的账号（可能已被删除），请刷新账号列表。",
                     f"There is no account named {username} (it may have been removed); reload the list.", 404)


def add(store, username: str, name: str, role: str, password: str, now: datetime, by: str) -> None:
    """A new account; refused when the username is taken, by a removed account too (its records keep it)."""
    validate_new_user(username, role, password)
    name = validate_name(name)
    if not store.add_user(username, name, role, hash_password(password), now, by=by):
        raise HallError("account_exists", f"用户名 {username} 已被使用（已删除的账号也保留其用户名，"
                        "以便其办理记录仍能对应），请换一个用户名。",
                        f"The username {username} is taken (a removed account keeps its username for its "
                        "records); choose another.", 409)


def put(store, username: str, name: str, role: str, password: str, now: datetime, by: str) -> list[str]:
    """Add an account or replace its name, role and password (`hallq user add`); the sessions it ended."""
    validate_new_user(username, role, password)
    return store.put_user(username, validate_name(name), role, hash_password(password), now, by=by)


def set_role(store, username: str, role: str, now: datetime, by: str) -> list[str]:
    """Another role for an account: its sessions end, so it signs in again with the new one."""
    validate_role(role)
    account = store.account(username)
    if account is None:
        raise _unknown(username)
    if account["role"] == role:
        raise HallError("unchanged", f"{username} 的角色已经是 {role}，无需更改。",
                        f"{username} already has the role {role}; nothing to change.", 409)
    ended = store.set_role(username, role, now, by=by)
    if ended is None:
        raise _unknown(username)
    return ended


def reset_password(store, username: str, password: str, now: datetime, by: str) -> list[str]:
    """An admin sets a new password for an account: every session of it ends."""
    validate_password(password)
    ended = store.set_password(username, hash_password(password), now, by=by, action="password_reset")
    if ended is None:
        raise _unknown(username)
    return ended


def set_active(store, username: str, active: bool, now: datetime, by: str) -> list[str]:
    """Disable an account (it cannot sign in, its sessions end) or enable it again."""
    account = store.account(username)
    if account is None:
        raise _unknown(username)
    if bool(account["active"]) == active:
        state = ("已启用", "enabled") if active else ("已停用", "disabled")
        raise HallError("unchanged", f"账号 {username} {state[0]}，无需更改。",
                        f"Account {username} is {state[1]} already; nothing to change.", 409)
    ended = store.set_active(username, active, now, by=by)
    if ended is None:
        raise _unknown(username)
    return ended


def remove(store, username: str, now: datetime, by: str) -> None:
    """Remove an account: it cannot sign in and is no longer listed; its records keep the username."""
    if not store.remove_user(username, now, by=by):
        raise _unknown(username)


def not_on_oneself(username: str, acting: Optional[str], what_zh: str, what_en: str) -> None:
    """An admin does not disable, remove, demote or reset their own account on the accounts page: the
    hall would be left with nobody to administer it, or they signed out mid-change. Their own
    password they change at /account/password; another admin, or `hallq user`, does the rest."""
    if acting is not None and username == acting:
        raise HallError("own_account", f"不能在这里{what_zh}自己的账号：请由另一位系统管理员操作，"
                        "或在服务器上使用 hallq user；修改自己的密码请到“修改密码”页面。",
                        f"You cannot {what_en} your own account here: ask another admin, or use hallq user on "
                        "the server; change your own password at /account/password.", 409)
