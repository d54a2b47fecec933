-- AlterTable: existing runs are numbered in the order they were created, per project.
ALTER TABLE "CiRun" ADD COLUMN     "number" INTEGER;
UPDATE "CiRun" r SET "number" = n.rn
  FROM (SELECT id, row_number() OVER (PARTITION BY "projectId" ORDER BY "createdAt", id) AS rn FROM "CiRun") n
  WHERE r.id = n.id;
ALTER TABLE "CiRun" ALTER COLUMN "number" SET NOT NULL;

-- AlterTable
ALTER TABLE "Release" ADD COLUMN     "ciRunId" TEXT;

-- CreateTable
CREATE TABLE "CiPromotion" (
    "id" TEXT NOT NULL,
    "runId" TEXT NOT NULL,
    "environment" "EnvironmentKind" NOT NULL,
    "action" TEXT NOT NULL,
    "status" TEXT NOT NULL DEFAULT 'pending',
    "reason" TEXT NOT NULL DEFAULT '',
    "releaseId" TEXT,
    "attempts" INTEGER NOT NULL DEFAULT 0,
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updatedAt" TIMESTAMP(3) NOT NULL,

    CONSTRAINT "CiPromotion_pkey" PRIMARY KEY ("id")
);

-- CreateIndex
CREATE INDEX "CiPromotion_releaseId_idx" ON "CiPromotion"("releaseId");

-- CreateIndex
CREATE UNIQUE INDEX "CiPromotion_runId_environment_key" ON "CiPromotion"("runId", "environment");

-- CreateIndex
CREATE UNIQUE INDEX "CiRun_projectId_number_key" ON "CiRun"("projectId", "number");

-- CreateIndex
CREATE INDEX "Release_ciRunId_idx" ON "Release"("ciRunId");

-- AddForeignKey
ALTER TABLE "CiPromotion" ADD CONSTRAINT "CiPromotion_runId_fkey" FOREIGN KEY ("runId") REFERENCES "CiRun"("id") ON DELETE CASCADE ON UPDATE CASCADE;
