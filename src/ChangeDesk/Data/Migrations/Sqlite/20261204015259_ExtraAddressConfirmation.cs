using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace ChangeDesk.Data.Migrations.Sqlite
{
    /// <inheritdoc />
    public partial class ExtraAddressConfirmation : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.AddColumn<long>(
                name: "ConfirmedAt",
                table: "NotificationPreferences",
                type: "INTEGER",
                nullable: true);
            // Addresses added before confirmation existed stay as they were, receiving the tenant's email: confirmed as of
            // the upgrade (UTC ticks on SQLite), so nobody stops getting mail without being told.
            migrationBuilder.Sql("""
                UPDATE "NotificationPreferences" SET "ConfirmedAt" = CAST(strftime('%s', 'now') AS INTEGER) * 10000000 + 621355968000000000 WHERE "UserId" IS NULL AND "Email" IS NOT NULL;
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
