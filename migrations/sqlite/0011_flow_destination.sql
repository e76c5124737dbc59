-- Where the chosen email or phone gate's code goes, as typed: a MAC of the normalised
-- address or number (and, for a phone, its first digits for the per-prefix SMS limit).
-- Kept for every flow, whether what was typed matched the stored one or not, so that a
-- resend counts the same limits in both cases and tells nothing about the match.
ALTER TABLE recovery_flows ADD COLUMN challenge_destination TEXT;
