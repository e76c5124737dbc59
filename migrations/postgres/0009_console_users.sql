-- Console: insights and users area. Intentionally empty until that area needs it.
SELECT 1;
