-- AlterTable
ALTER TABLE "CiRun" ADD COLUMN     "graph" JSONB;
