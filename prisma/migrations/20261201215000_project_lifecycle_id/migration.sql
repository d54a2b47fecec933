-- DropIndex
DROP INDEX "Project_lifecycle_idx";

-- CreateIndex
CREATE INDEX "Project_lifecycle_id_idx" ON "Project"("lifecycle", "id");
