-- CreateTable
CREATE TABLE "AlertRuleSettings" (
    "id" TEXT NOT NULL,
    "projectId" TEXT NOT NULL,
    "settings" JSONB NOT NULL DEFAULT '{}',
    "version" INTEGER NOT NULL DEFAULT 1,
    "lastError" TEXT NOT NULL DEFAULT '',
    "lastErrorAt" TIMESTAMP(3),
    "writtenVersion" INTEGER NOT NULL DEFAULT 0,
    "writtenAt" TIMESTAMP(3),
    "updatedById" TEXT,
    "updatedAt" TIMESTAMP(3) NOT NULL,

    CONSTRAINT "AlertRuleSettings_pkey" PRIMARY KEY ("id")
);

-- CreateIndex
CREATE UNIQUE INDEX "AlertRuleSettings_projectId_key" ON "AlertRuleSettings"("projectId");

-- AddForeignKey
ALTER TABLE "AlertRuleSettings" ADD CONSTRAINT "AlertRuleSettings_projectId_fkey" FOREIGN KEY ("projectId") REFERENCES "Project"("id") ON DELETE CASCADE ON UPDATE CASCADE;
