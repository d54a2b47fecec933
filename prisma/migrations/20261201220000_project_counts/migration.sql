-- CreateTable
CREATE TABLE "ProjectCount" (
    "lifecycle" "ProjectLifecycle" NOT NULL,
    "teamId" TEXT NOT NULL,
    "tier" "ProjectTier" NOT NULL,
    "n" INTEGER NOT NULL,

    CONSTRAINT "ProjectCount_pkey" PRIMARY KEY ("lifecycle","teamId","tier")
);

-- Kept by statement-level triggers in the same transaction as the change to "Project": one upsert per key a
-- statement changed, in key order (two statements changing several keys lock their count rows in the same order).
-- The body is an E'' string whose statement separators are written \073, as in 20261201213000_alerting_routing: the
-- offline migration engine splits a script at every semicolon, even inside a function's body.
CREATE FUNCTION wharf_project_counts() RETURNS trigger LANGUAGE plpgsql AS E'
BEGIN
  IF TG_OP = \'TRUNCATE\' THEN
    DELETE FROM "ProjectCount"\073
    RETURN NULL\073
  END IF\073
  IF TG_OP = \'INSERT\' THEN
    INSERT INTO "ProjectCount" (lifecycle, "teamId", tier, n)
    SELECT lifecycle, "teamId", tier, count(*)::int FROM new_rows GROUP BY 1, 2, 3 ORDER BY 1, 2, 3
    ON CONFLICT (lifecycle, "teamId", tier) DO UPDATE SET n = "ProjectCount".n + excluded.n\073
  ELSIF TG_OP = \'DELETE\' THEN
    INSERT INTO "ProjectCount" (lifecycle, "teamId", tier, n)
    SELECT lifecycle, "teamId", tier, -count(*)::int FROM old_rows GROUP BY 1, 2, 3 ORDER BY 1, 2, 3
    ON CONFLICT (lifecycle, "teamId", tier) DO UPDATE SET n = "ProjectCount".n + excluded.n\073
  ELSE
    -- An update that changes none of the three columns nets to zero for every key and writes nothing.
    INSERT INTO "ProjectCount" (lifecycle, "teamId", tier, n)
    SELECT lifecycle, "teamId", tier, sum(d)::int
      FROM (SELECT lifecycle, "teamId", tier, 1 AS d FROM new_rows
            UNION ALL
            SELECT lifecycle, "teamId", tier, -1 AS d FROM old_rows) changed
     GROUP BY 1, 2, 3
    HAVING sum(d) <> 0
     ORDER BY 1, 2, 3
    ON CONFLICT (lifecycle, "teamId", tier) DO UPDATE SET n = "ProjectCount".n + excluded.n\073
  END IF\073
  RETURN NULL\073
END
';

CREATE TRIGGER project_counts_insert AFTER INSERT ON "Project" REFERENCING NEW TABLE AS new_rows
  FOR EACH STATEMENT EXECUTE FUNCTION wharf_project_counts();
CREATE TRIGGER project_counts_update AFTER UPDATE ON "Project" REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows
  FOR EACH STATEMENT EXECUTE FUNCTION wharf_project_counts();
CREATE TRIGGER project_counts_delete AFTER DELETE ON "Project" REFERENCING OLD TABLE AS old_rows
  FOR EACH STATEMENT EXECUTE FUNCTION wharf_project_counts();
CREATE TRIGGER project_counts_truncate AFTER TRUNCATE ON "Project"
  FOR EACH STATEMENT EXECUTE FUNCTION wharf_project_counts();

-- The projects there already.
INSERT INTO "ProjectCount" (lifecycle, "teamId", tier, n)
SELECT lifecycle, "teamId", tier, count(*)::int FROM "Project" GROUP BY 1, 2, 3;
