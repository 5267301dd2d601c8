-- Temporal keeps its own databases (created by auto-setup) under its own role, apart from Ferry's.
CREATE ROLE temporal LOGIN CREATEDB PASSWORD 'temporal';
