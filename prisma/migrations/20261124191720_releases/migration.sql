-- CreateEnum
CREATE TYPE "ReleaseStatus" AS ENUM ('pending_approval', 'queued', 'progressing', 'succeeded', 'failed', 'rolled_back', 'rejected', 'cancelled');

-- CreateEnum
CREATE TYPE "ReleaseStrategy" AS ENUM ('all_at_once', 'one_cluster_first');

-- AlterEnum
ALTER TYPE "TicketType" ADD VALUE 'deploy';

-- AlterTable
ALTER TABLE "Project" ADD COLUMN     "allowChaosInProd" BOOLEAN NOT NULL DEFAULT false;

-- CreateTable
CREATE TABLE "ServiceSpec" (
    "id" TEXT NOT NULL,
    "serviceId" TEXT NOT NULL,
    "version" INTEGER NOT NULL,
    "spec" JSONB NOT NULL,
    "comment" TEXT NOT NULL DEFAULT '',
    "createdById" TEXT,
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "ServiceSpec_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "Release" (
    "id" TEXT NOT NULL,
    "serviceId" TEXT NOT NULL,
    "environment" "EnvironmentKind" NOT NULL,
    "number" INTEGER NOT NULL,
    "specVersion" INTEGER NOT NULL,
    "image" TEXT NOT NULL,
    "tag" TEXT NOT NULL,
    "strategy" "ReleaseStrategy" NOT NULL DEFAULT 'all_at_once',
    "status" "ReleaseStatus" NOT NULL DEFAULT 'queued',
    "reason" TEXT NOT NULL DEFAULT '',
    "spec" JSONB NOT NULL,
    "manifests" JSONB NOT NULL,
    "createdById" TEXT,
    "ticketId" TEXT,
    "runId" TEXT,
    "rollbackOfId" TEXT,
    "automatic" BOOLEAN NOT NULL DEFAULT false,
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "startedAt" TIMESTAMP(3),
    "finishedAt" TIMESTAMP(3),

    CONSTRAINT "Release_pkey" PRIMARY KEY ("id")
);

-- CreateIndex
CREATE UNIQUE INDEX "ServiceSpec_serviceId_version_key" ON "ServiceSpec"("serviceId", "version");

-- CreateIndex
CREATE INDEX "Release_serviceId_environment_createdAt_idx" ON "Release"("serviceId", "environment", "createdAt");

-- CreateIndex
CREATE INDEX "Release_status_idx" ON "Release"("status");

-- CreateIndex
CREATE INDEX "Release_ticketId_idx" ON "Release"("ticketId");

-- CreateIndex
CREATE INDEX "Release_runId_idx" ON "Release"("runId");

-- CreateIndex
CREATE UNIQUE INDEX "Release_serviceId_environment_number_key" ON "Release"("serviceId", "environment", "number");

-- AddForeignKey
ALTER TABLE "ServiceSpec" ADD CONSTRAINT "ServiceSpec_serviceId_fkey" FOREIGN KEY ("serviceId") REFERENCES "Service"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "Release" ADD CONSTRAINT "Release_serviceId_fkey" FOREIGN KEY ("serviceId") REFERENCES "Service"("id") ON DELETE CASCADE ON UPDATE CASCADE;
