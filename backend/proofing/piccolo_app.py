"""Piccolo app for the proofing feature."""

import os

from piccolo.conf.apps import AppConfig

from backend.proofing.tables import (
    BankAnswerKey,
    BankChallenge,
    PasswordReset,
    PhotoOfRecord,
    ProofingAttempt,
    ProofingCode,
    ProviderSession,
)

APP_CONFIG = AppConfig(
    app_name="proofing",
    migrations_folder_path=os.path.join(os.path.dirname(os.path.abspath(__file__)), "migrations"),
    table_classes=[ProofingAttempt, ProofingCode, BankChallenge, BankAnswerKey, ProviderSession, PhotoOfRecord, PasswordReset],
    migration_dependencies=[],
    commands=[],
)
