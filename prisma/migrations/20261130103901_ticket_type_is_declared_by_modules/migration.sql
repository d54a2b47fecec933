-- Ticket types are declared by modules (lib/<domain>/module.ts), not by a
-- database enum: a new domain adds its ticket types without a migration.
-- Existing tickets keep their type (the enum's text).
ALTER TABLE "Ticket" ALTER COLUMN "type" TYPE TEXT USING "type"::text;

-- DropEnum
DROP TYPE "TicketType";
