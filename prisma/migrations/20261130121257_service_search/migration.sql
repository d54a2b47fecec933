-- CreateIndex
CREATE INDEX "Service_slug_idx" ON "Service" USING GIN ("slug" gin_trgm_ops);

-- CreateIndex
CREATE INDEX "Service_name_idx" ON "Service" USING GIN ("name" gin_trgm_ops);
