-- AlterTable
ALTER TABLE "Release" ADD COLUMN     "config" JSONB NOT NULL DEFAULT '[]',
ADD COLUMN     "configReleaseId" TEXT;

-- CreateIndex
CREATE INDEX "Release_configReleaseId_idx" ON "Release"("configReleaseId");
