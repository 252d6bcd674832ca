import CLMStorage

/// The approval service's tables. Versions 2 and 3 predate the per-owner numbering and keep
/// their numbers.
enum ApprovalMigrations {
    static let all: [Migration] = [
        Migration(
            version: 2, name: "decisions",
            statements: [
                """
                CREATE TABLE approval.decisions (
                    request_id uuid PRIMARY KEY,
                    realm text NOT NULL,
                    policy text NOT NULL,
                    policy_version integer NOT NULL,
                    mode text NOT NULL,
                    state text NOT NULL,
                    decided_by text,
                    reason text,
                    created_at timestamptz NOT NULL DEFAULT now()
                )
                """,
                "CREATE INDEX decisions_pending ON approval.decisions (realm, state, created_at)",
            ]),
        Migration(
            version: 3, name: "manual and e-mail workflows",
            statements: [
                "ALTER TABLE approval.decisions ADD COLUMN requester text NOT NULL DEFAULT ''",
                "ALTER TABLE approval.decisions ADD COLUMN required integer NOT NULL DEFAULT 0",
                "ALTER TABLE approval.decisions ADD COLUMN expires_at timestamptz",
                // What approvers are shown: subject, names, key, validity (the submitted event).
                "ALTER TABLE approval.decisions ADD COLUMN submitted jsonb",
                "UPDATE approval.decisions SET state = 'awaiting_approval' WHERE state = 'pending'",
                "CREATE INDEX decisions_expiry ON approval.decisions (expires_at) WHERE expires_at IS NOT NULL",
                """
                CREATE TABLE approval.votes (
                    request_id uuid NOT NULL REFERENCES approval.decisions(request_id),
                    voter text NOT NULL,
                    vote text NOT NULL CHECK (vote IN ('approve', 'decline')),
                    comment text,
                    at timestamptz NOT NULL DEFAULT now(),
                    PRIMARY KEY (request_id, voter)
                )
                """,
                // One row per address to confirm. The token exists only in the mail; the table
                // keeps its SHA-256, so a database reader cannot confirm anything.
                """
                CREATE TABLE approval.verifications (
                    request_id uuid NOT NULL REFERENCES approval.decisions(request_id),
                    email text NOT NULL,
                    token_hash bytea UNIQUE,
                    attempts integer NOT NULL DEFAULT 0,
                    next_attempt_at timestamptz NOT NULL DEFAULT now(),
                    last_error text,
                    sent_at timestamptz,
                    confirmed_at timestamptz,
                    PRIMARY KEY (request_id, email)
                )
                """,
                "CREATE INDEX verifications_unsent ON approval.verifications (next_attempt_at) WHERE sent_at IS NULL",
            ]),
        // Each link's place in its lifecycle (`VerificationState`), so a mail can be claimed
        // (`sending`) without a transaction held open over the SMTP conversation.
        Migration(
            version: 4, name: "verification states",
            statements: [
                "ALTER TABLE approval.verifications ADD COLUMN state text NOT NULL DEFAULT 'due'",
                """
                UPDATE approval.verifications v SET state = CASE
                    WHEN v.confirmed_at IS NOT NULL THEN 'confirmed'
                    WHEN d.state <> 'awaiting_verification' THEN 'expired'
                    WHEN v.sent_at IS NOT NULL THEN 'sent'
                    WHEN v.attempts > 0 THEN 'retrying'
                    ELSE 'due' END
                FROM approval.decisions d WHERE d.request_id = v.request_id
                """,
            ]),
        // Expiry warnings to mail: one row per certificate, threshold and address, so a notice
        // delivered twice queues one mail; sent like verification links (`NoticeMailState`).
        Migration(
            version: 5, name: "expiry notice mails",
            statements: [
                """
                CREATE TABLE approval.notice_mails (
                    ca text NOT NULL,
                    serial_number text NOT NULL,
                    threshold_seconds integer NOT NULL,
                    email text NOT NULL,
                    request_id uuid NOT NULL,
                    realm text NOT NULL,
                    notice jsonb NOT NULL,
                    state text NOT NULL DEFAULT 'due',
                    claim uuid,
                    attempts integer NOT NULL DEFAULT 0,
                    next_attempt_at timestamptz NOT NULL DEFAULT now(),
                    last_error text,
                    sent_at timestamptz,
                    created_at timestamptz NOT NULL DEFAULT now(),
                    PRIMARY KEY (ca, serial_number, threshold_seconds, email)
                )
                """,
                """
                CREATE INDEX notice_mails_unsent ON approval.notice_mails (next_attempt_at)
                WHERE state IN ('due', 'sending', 'retrying')
                """,
            ]),
    ]
}
