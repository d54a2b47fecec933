-- AlterTable
ALTER TABLE "Team" ADD COLUMN     "slackBotTokenSealed" TEXT NOT NULL DEFAULT '',
ADD COLUMN     "slackChannelId" TEXT NOT NULL DEFAULT '';
