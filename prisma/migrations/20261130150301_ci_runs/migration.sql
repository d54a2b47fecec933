-- CreateEnum
CREATE TYPE "CiTrigger" AS ENUM ('push', 'webhook', 'manual');

-- CreateEnum
CREATE TYPE "CiRunStatus" AS ENUM ('queued', 'pending', 'running', 'succeeded', 'failed', 'cancelled');

-- CreateTable
CREATE TABLE "CiRun" (
    "id" TEXT NOT NULL,
    "projectId" TEXT NOT NULL,
    "service" TEXT NOT NULL,
    "ref" TEXT NOT NULL,
    "refKind" TEXT NOT NULL DEFAULT 'branch',
    "commitSha" TEXT NOT NULL DEFAULT '',
    "message" TEXT NOT NULL DEFAULT '',
    "author" TEXT NOT NULL DEFAULT '',
    "trigger" "CiTrigger" NOT NULL,
    "requestedById" TEXT,
    "params" JSONB NOT NULL DEFAULT '{}',
    "status" "CiRunStatus" NOT NULL DEFAULT 'queued',
    "reason" TEXT NOT NULL DEFAULT '',
    "cancelRequested" BOOLEAN NOT NULL DEFAULT false,
    "rerunOfId" TEXT,
    "clusterId" TEXT,
    "clusterName" TEXT NOT NULL DEFAULT '',
    "namespace" TEXT NOT NULL DEFAULT '',
    "pipelineRunName" TEXT NOT NULL DEFAULT '',
    "imageUrl" TEXT NOT NULL DEFAULT '',
    "imageDigest" TEXT NOT NULL DEFAULT '',
    "testsPassed" INTEGER,
    "testsFailed" INTEGER,
    "testsSkipped" INTEGER,
    "coverage" DOUBLE PRECISION,
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "startedAt" TIMESTAMP(3),
    "finishedAt" TIMESTAMP(3),
    "updatedAt" TIMESTAMP(3) NOT NULL,

    CONSTRAINT "CiRun_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "CiTask" (
    "id" TEXT NOT NULL,
    "runId" TEXT NOT NULL,
    "name" TEXT NOT NULL,
    "taskRunName" TEXT NOT NULL DEFAULT '',
    "podName" TEXT NOT NULL DEFAULT '',
    "status" TEXT NOT NULL DEFAULT 'pending',
    "reason" TEXT NOT NULL DEFAULT '',
    "startedAt" TIMESTAMP(3),
    "durationMs" INTEGER,

    CONSTRAINT "CiTask_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "CiStep" (
    "id" TEXT NOT NULL,
    "taskId" TEXT NOT NULL,
    "runId" TEXT NOT NULL,
    "name" TEXT NOT NULL,
    "position" INTEGER NOT NULL DEFAULT 0,
    "status" TEXT NOT NULL DEFAULT 'waiting',
    "reason" TEXT NOT NULL DEFAULT '',
    "startedAt" TIMESTAMP(3),
    "durationMs" INTEGER,
    "exitCode" INTEGER,
    "log" TEXT NOT NULL DEFAULT '',
    "logBytes" INTEGER NOT NULL DEFAULT 0,
    "logTruncated" BOOLEAN NOT NULL DEFAULT false,
    "logArchived" BOOLEAN NOT NULL DEFAULT false,

    CONSTRAINT "CiStep_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "CiWebhookSecret" (
    "projectId" TEXT NOT NULL,
    "secretSealed" TEXT NOT NULL,
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "CiWebhookSecret_pkey" PRIMARY KEY ("projectId")
);

-- CreateIndex
CREATE INDEX "CiRun_projectId_createdAt_idx" ON "CiRun"("projectId", "createdAt");

-- CreateIndex
CREATE INDEX "CiRun_projectId_status_idx" ON "CiRun"("projectId", "status");

-- CreateIndex
CREATE INDEX "CiRun_status_idx" ON "CiRun"("status");

-- CreateIndex
CREATE UNIQUE INDEX "CiTask_runId_name_key" ON "CiTask"("runId", "name");

-- CreateIndex
CREATE INDEX "CiStep_runId_idx" ON "CiStep"("runId");

-- CreateIndex
CREATE UNIQUE INDEX "CiStep_taskId_name_key" ON "CiStep"("taskId", "name");

-- AddForeignKey
ALTER TABLE "CiRun" ADD CONSTRAINT "CiRun_projectId_fkey" FOREIGN KEY ("projectId") REFERENCES "Project"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "CiTask" ADD CONSTRAINT "CiTask_runId_fkey" FOREIGN KEY ("runId") REFERENCES "CiRun"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "CiStep" ADD CONSTRAINT "CiStep_taskId_fkey" FOREIGN KEY ("taskId") REFERENCES "CiTask"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "CiWebhookSecret" ADD CONSTRAINT "CiWebhookSecret_projectId_fkey" FOREIGN KEY ("projectId") REFERENCES "Project"("id") ON DELETE CASCADE ON UPDATE CASCADE;
