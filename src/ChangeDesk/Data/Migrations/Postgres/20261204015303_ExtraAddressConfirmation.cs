using System;
using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace ChangeDesk.Data.Migrations.Postgres
{
    /// <inheritdoc />
    public partial class ExtraAddressConfirmation : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.AddColumn<DateTimeOffset>(
                name: "ConfirmedAt",
                table: "NotificationPreferences",
                type: "timestamp with time zone",
                nullable: true);
            // Addresses added before confirmation existed stay as they were, receiving the tenant's email: confirmed as of
            // the upgrade, so nobody stops getting mail without being told.
            migrationBuilder.Sql("""
                UPDATE "NotificationPreferences" SET "ConfirmedAt" = now() WHERE "UserId" IS NULL AND "Email" IS NOT NULL;
                """);
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropColumn(
                name: "ConfirmedAt",
                table: "NotificationPreferences");
        }
    }
}
