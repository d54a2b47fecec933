-- AlterTable
ALTER TABLE "Release" ADD COLUMN     "restoreOfId" TEXT;
