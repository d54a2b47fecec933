-- AlterTable
ALTER TABLE "Cluster" ADD COLUMN     "builds" BOOLEAN NOT NULL DEFAULT false;

-- CreateTable
CREATE TABLE "CiSettings" (
    "projectId" TEXT NOT NULL,
    "settings" JSONB NOT NULL DEFAULT '{}',
    "version" INTEGER NOT NULL DEFAULT 1,
    "updatedAt" TIMESTAMP(3) NOT NULL,

    CONSTRAINT "CiSettings_pkey" PRIMARY KEY ("projectId")
);

-- AddForeignKey
ALTER TABLE "CiSettings" ADD CONSTRAINT "CiSettings_projectId_fkey" FOREIGN KEY ("projectId") REFERENCES "Project"("id") ON DELETE CASCADE ON UPDATE CASCADE;
