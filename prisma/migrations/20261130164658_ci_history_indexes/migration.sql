-- CreateIndex
CREATE INDEX "CiRun_projectId_status_number_idx" ON "CiRun"("projectId", "status", "number");

-- CreateIndex
CREATE INDEX "CiRun_projectId_service_number_idx" ON "CiRun"("projectId", "service", "number");

-- CreateIndex
CREATE INDEX "CiRun_projectId_ref_number_idx" ON "CiRun"("projectId", "ref", "number");

-- CreateIndex
CREATE INDEX "CiRun_projectId_finishedAt_idx" ON "CiRun"("projectId", "finishedAt");

-- CreateIndex
CREATE INDEX "CiRun_author_idx" ON "CiRun" USING GIN ("author" gin_trgm_ops);
