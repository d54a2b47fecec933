-- al-routing (lib/alerting/routing-apply.ts): every change that alters Alertmanager's routing tree queues the job
-- `alertmanager_config` in its own transaction, whatever code made it (onboarding, the catalog, the seed, a script).
-- One job key (a burst is one run) in one queue (runs never overlap). Nothing is queued before graphile-worker's
-- schema exists (it is installed right after these migrations).
-- The body is an E'' string whose statement separators are written \073: the offline migration engine
-- (@prisma/adapter-pg executeScript) splits a script at every semicolon, even inside a function's body.
CREATE OR REPLACE FUNCTION wharf_alertmanager_config_changed() RETURNS trigger LANGUAGE plpgsql AS E'
BEGIN
  IF to_regnamespace(\'graphile_worker\') IS NULL THEN
    RETURN NULL\073
  END IF\073
  PERFORM graphile_worker.add_job(
    identifier => \'alertmanager_config\',
    payload => \'{"force": false}\'::json,
    queue_name => \'alertmanager-config\',
    run_at => now() + interval \'1 second\',
    max_attempts => 10,
    job_key => \'alertmanager-config\'
  )\073
  RETURN NULL\073
END
';

CREATE TRIGGER "Project_alertmanager_config"
  AFTER INSERT OR DELETE OR UPDATE OF "slug", "teamId", "lifecycle" ON "Project"
  FOR EACH STATEMENT EXECUTE FUNCTION wharf_alertmanager_config_changed();

CREATE TRIGGER "Team_alertmanager_config"
  AFTER INSERT OR DELETE OR UPDATE OF "slug" ON "Team"
  FOR EACH STATEMENT EXECUTE FUNCTION wharf_alertmanager_config_changed();

CREATE TRIGGER "MaintenanceWindow_alertmanager_config"
  AFTER INSERT OR DELETE OR UPDATE ON "MaintenanceWindow"
  FOR EACH STATEMENT EXECUTE FUNCTION wharf_alertmanager_config_changed();
