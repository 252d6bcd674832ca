-- CLM database provisioning, part 2: run with psql connected to the CLM database (variable
-- dbname names it) as a superuser. One schema per service, owned by that service's role;
-- no role gets anything in another service's schema, nobody gets anything in `public`.
-- Idempotent.
\set ON_ERROR_STOP on

REVOKE ALL ON DATABASE :"dbname" FROM PUBLIC;
GRANT CONNECT ON DATABASE :"dbname" TO clm_registry, clm_intake, clm_approval, clm_keygen, clm_ca_gateway;

REVOKE ALL ON SCHEMA public FROM PUBLIC;

CREATE SCHEMA IF NOT EXISTS registry   AUTHORIZATION clm_registry;
CREATE SCHEMA IF NOT EXISTS intake     AUTHORIZATION clm_intake;
CREATE SCHEMA IF NOT EXISTS approval   AUTHORIZATION clm_approval;
CREATE SCHEMA IF NOT EXISTS keygen     AUTHORIZATION clm_keygen;
CREATE SCHEMA IF NOT EXISTS ca_gateway AUTHORIZATION clm_ca_gateway;

ALTER SCHEMA registry   OWNER TO clm_registry;
ALTER SCHEMA intake     OWNER TO clm_intake;
ALTER SCHEMA approval   OWNER TO clm_approval;
ALTER SCHEMA keygen     OWNER TO clm_keygen;
ALTER SCHEMA ca_gateway OWNER TO clm_ca_gateway;

REVOKE ALL ON SCHEMA registry, intake, approval, keygen, ca_gateway FROM PUBLIC;

-- unqualified names resolve to the role's own schema only
ALTER ROLE clm_registry   IN DATABASE :"dbname" SET search_path = registry;
ALTER ROLE clm_intake     IN DATABASE :"dbname" SET search_path = intake;
ALTER ROLE clm_approval   IN DATABASE :"dbname" SET search_path = approval;
ALTER ROLE clm_keygen     IN DATABASE :"dbname" SET search_path = keygen;
ALTER ROLE clm_ca_gateway IN DATABASE :"dbname" SET search_path = ca_gateway;
