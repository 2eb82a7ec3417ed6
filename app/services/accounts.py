"""Registration and login."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from app.errors import EmailTaken, InvalidCredentials
from app.models import User
from app.security import Passwords
from app.services import ledger


def normalise_email(email: str) -> str:
    return email.strip().lower()


def register(
    session: Session, passwords: Passwords, email: str, password: str, currency: str, now: datetime
) -> User:
    user = User(email=normalise_email(email), password_hash=passwords.hash(password), created_at=now)
    session.add(user)
    try:
        session.flush()
        ledger.open_wallet(session, user.id, currency)
        session.commit()
    except IntegrityError:
        session.rollback()
        raise EmailTaken("an account with this email already exists") from None
    return user


def authenticate(session: Session, passwords: Passwords, email: str, password: str) -> User:
    user = session.scalar(select(User).where(User.email == normalise_email(email)))
    session.commit()  # ends the read: the connection goes back to the pool before the slow hash
    if not passwords.verify(user.password_hash if user else None, password) or user is None:
        raise InvalidCredentials("email or password is wrong")
    return user
