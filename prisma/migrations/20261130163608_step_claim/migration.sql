-- AlterTable
ALTER TABLE "ProvisioningStep" ADD COLUMN     "claimedJobId" TEXT NOT NULL DEFAULT '';
