-- CreateTable
CREATE TABLE "ConfigNamespace" (
    "id" TEXT NOT NULL,
    "serviceId" TEXT,
    "teamId" TEXT,
    "name" TEXT NOT NULL,
    "format" TEXT NOT NULL DEFAULT 'properties',
    "comment" TEXT NOT NULL DEFAULT '',
    "jsonSchema" JSONB,
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updatedAt" TIMESTAMP(3) NOT NULL,
    "version" INTEGER NOT NULL DEFAULT 1,

    CONSTRAINT "ConfigNamespace_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "ConfigLink" (
    "id" TEXT NOT NULL,
    "serviceId" TEXT NOT NULL,
    "namespaceId" TEXT NOT NULL,
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "ConfigLink_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "ConfigSet" (
    "id" TEXT NOT NULL,
    "namespaceId" TEXT NOT NULL,
    "serviceId" TEXT,
    "environment" "EnvironmentKind" NOT NULL,
    "cluster" TEXT NOT NULL DEFAULT 'default',
    "draftVersion" INTEGER NOT NULL DEFAULT 0,
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updatedAt" TIMESTAMP(3) NOT NULL,

    CONSTRAINT "ConfigSet_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "ConfigItem" (
    "id" TEXT NOT NULL,
    "setId" TEXT NOT NULL,
    "key" TEXT NOT NULL,
    "value" TEXT NOT NULL,
    "comment" TEXT NOT NULL DEFAULT '',
    "secret" BOOLEAN NOT NULL DEFAULT false,
    "position" INTEGER NOT NULL DEFAULT 0,
    "updatedById" TEXT,
    "updatedAt" TIMESTAMP(3) NOT NULL,

    CONSTRAINT "ConfigItem_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "ConfigRelease" (
    "id" TEXT NOT NULL,
    "setId" TEXT NOT NULL,
    "number" INTEGER NOT NULL,
    "releaseKey" TEXT NOT NULL,
    "comment" TEXT NOT NULL DEFAULT '',
    "configurations" JSONB NOT NULL,
    "authorId" TEXT,
    "grayId" TEXT,
    "restoredFromId" TEXT,
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "ConfigRelease_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "ConfigGray" (
    "id" TEXT NOT NULL,
    "setId" TEXT NOT NULL,
    "rule" JSONB NOT NULL,
    "changes" JSONB NOT NULL,
    "status" TEXT NOT NULL DEFAULT 'active',
    "authorId" TEXT,
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updatedAt" TIMESTAMP(3) NOT NULL,
    "endedAt" TIMESTAMP(3),
    "version" INTEGER NOT NULL DEFAULT 1,

    CONSTRAINT "ConfigGray_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "ConfigMessage" (
    "id" BIGSERIAL NOT NULL,
    "key" TEXT NOT NULL,
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "ConfigMessage_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "ConfigInstance" (
    "id" TEXT NOT NULL,
    "environment" "EnvironmentKind" NOT NULL,
    "appId" TEXT NOT NULL,
    "cluster" TEXT NOT NULL,
    "namespace" TEXT NOT NULL,
    "ip" TEXT NOT NULL,
    "pod" TEXT NOT NULL DEFAULT '',
    "labels" JSONB NOT NULL DEFAULT '{}',
    "releaseKey" TEXT NOT NULL DEFAULT '',
    "firstSeenAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "lastSeenAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "ConfigInstance_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "ConfigAccessKey" (
    "id" TEXT NOT NULL,
    "serviceId" TEXT NOT NULL,
    "environment" "EnvironmentKind" NOT NULL,
    "secret" TEXT NOT NULL,
    "enabled" BOOLEAN NOT NULL DEFAULT true,
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "ConfigAccessKey_pkey" PRIMARY KEY ("id")
);

-- CreateIndex
CREATE INDEX "ConfigNamespace_name_idx" ON "ConfigNamespace"("name");

-- CreateIndex
CREATE UNIQUE INDEX "ConfigNamespace_serviceId_name_key" ON "ConfigNamespace"("serviceId", "name");

-- CreateIndex
CREATE UNIQUE INDEX "ConfigNamespace_teamId_name_key" ON "ConfigNamespace"("teamId", "name");

-- CreateIndex
CREATE UNIQUE INDEX "ConfigLink_serviceId_namespaceId_key" ON "ConfigLink"("serviceId", "namespaceId");

-- CreateIndex
CREATE INDEX "ConfigSet_serviceId_environment_idx" ON "ConfigSet"("serviceId", "environment");

-- CreateIndex
CREATE UNIQUE INDEX "ConfigSet_namespaceId_serviceId_environment_cluster_key" ON "ConfigSet"("namespaceId", "serviceId", "environment", "cluster");

-- CreateIndex
CREATE UNIQUE INDEX "ConfigItem_setId_key_key" ON "ConfigItem"("setId", "key");

-- CreateIndex
CREATE UNIQUE INDEX "ConfigRelease_releaseKey_key" ON "ConfigRelease"("releaseKey");

-- CreateIndex
CREATE INDEX "ConfigRelease_setId_createdAt_idx" ON "ConfigRelease"("setId", "createdAt");

-- CreateIndex
CREATE UNIQUE INDEX "ConfigRelease_setId_number_key" ON "ConfigRelease"("setId", "number");

-- CreateIndex
CREATE INDEX "ConfigGray_setId_status_idx" ON "ConfigGray"("setId", "status");

-- CreateIndex
CREATE INDEX "ConfigMessage_key_id_idx" ON "ConfigMessage"("key", "id");

-- CreateIndex
CREATE INDEX "ConfigInstance_environment_appId_lastSeenAt_idx" ON "ConfigInstance"("environment", "appId", "lastSeenAt");

-- CreateIndex
CREATE UNIQUE INDEX "ConfigInstance_environment_appId_cluster_namespace_ip_key" ON "ConfigInstance"("environment", "appId", "cluster", "namespace", "ip");

-- CreateIndex
CREATE INDEX "ConfigAccessKey_serviceId_environment_idx" ON "ConfigAccessKey"("serviceId", "environment");

-- AddForeignKey
ALTER TABLE "ConfigNamespace" ADD CONSTRAINT "ConfigNamespace_serviceId_fkey" FOREIGN KEY ("serviceId") REFERENCES "Service"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "ConfigNamespace" ADD CONSTRAINT "ConfigNamespace_teamId_fkey" FOREIGN KEY ("teamId") REFERENCES "Team"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "ConfigLink" ADD CONSTRAINT "ConfigLink_serviceId_fkey" FOREIGN KEY ("serviceId") REFERENCES "Service"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "ConfigLink" ADD CONSTRAINT "ConfigLink_namespaceId_fkey" FOREIGN KEY ("namespaceId") REFERENCES "ConfigNamespace"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "ConfigSet" ADD CONSTRAINT "ConfigSet_namespaceId_fkey" FOREIGN KEY ("namespaceId") REFERENCES "ConfigNamespace"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "ConfigSet" ADD CONSTRAINT "ConfigSet_serviceId_fkey" FOREIGN KEY ("serviceId") REFERENCES "Service"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "ConfigItem" ADD CONSTRAINT "ConfigItem_setId_fkey" FOREIGN KEY ("setId") REFERENCES "ConfigSet"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "ConfigRelease" ADD CONSTRAINT "ConfigRelease_setId_fkey" FOREIGN KEY ("setId") REFERENCES "ConfigSet"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "ConfigRelease" ADD CONSTRAINT "ConfigRelease_grayId_fkey" FOREIGN KEY ("grayId") REFERENCES "ConfigGray"("id") ON DELETE SET NULL ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "ConfigGray" ADD CONSTRAINT "ConfigGray_setId_fkey" FOREIGN KEY ("setId") REFERENCES "ConfigSet"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "ConfigAccessKey" ADD CONSTRAINT "ConfigAccessKey_serviceId_fkey" FOREIGN KEY ("serviceId") REFERENCES "Service"("id") ON DELETE CASCADE ON UPDATE CASCADE;
