-- AlterTable
ALTER TABLE "Cluster" ADD COLUMN     "prometheusUrl" TEXT NOT NULL DEFAULT '';
