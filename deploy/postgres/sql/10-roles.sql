-- CLM database provisioning, part 1: cluster-wide login roles and the database.
-- Run with psql against the `postgres` database as a superuser, with variables:
--   dbname, pw_registry, pw_intake, pw_approval, pw_keygen, pw_ca_gateway
-- Idempotent. Used by scripts/db-provision.sh and by compose's PostgreSQL init
-- (deploy/postgres/initdb.d/10-clm.sh), so both set up exactly the same thing.
\set ON_ERROR_STOP on

SELECT format('CREATE ROLE %I LOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE NOINHERIT NOREPLICATION', r)
FROM (VALUES ('clm_registry'), ('clm_intake'), ('clm_approval'), ('clm_keygen'), ('clm_ca_gateway')) AS v(r)
WHERE NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = v.r)
\gexec

-- (re)set passwords so the roles always match the current secrets
ALTER ROLE clm_registry   WITH LOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE PASSWORD :'pw_registry';
ALTER ROLE clm_intake     WITH LOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE PASSWORD :'pw_intake';
ALTER ROLE clm_approval   WITH LOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE PASSWORD :'pw_approval';
ALTER ROLE clm_keygen     WITH LOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE PASSWORD :'pw_keygen';
ALTER ROLE clm_ca_gateway WITH LOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE PASSWORD :'pw_ca_gateway';

SELECT format('CREATE DATABASE %I ENCODING ''UTF8'' TEMPLATE template0', :'dbname')
WHERE NOT EXISTS (SELECT 1 FROM pg_database WHERE datname = :'dbname')
\gexec
