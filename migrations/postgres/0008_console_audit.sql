-- Console: audit log indexes (audit area). Intentionally empty until that area needs it.
SELECT 1;
