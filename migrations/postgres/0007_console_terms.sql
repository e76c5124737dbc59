-- Console: banned-term rejections (policy/terms area). Intentionally empty until that area needs it.
SELECT 1;
