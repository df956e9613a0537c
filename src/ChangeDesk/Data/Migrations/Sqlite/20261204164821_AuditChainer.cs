using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace ChangeDesk.Data.Migrations.Sqlite
{
    /// <inheritdoc />
    public partial class AuditChainer : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropPrimaryKey(
                name: "PK_AuditRecords",
                table: "AuditRecords");

            migrationBuilder.AlterColumn<string>(
                name: "PreviousHash",
                table: "AuditRecords",
                type: "TEXT",
                nullable: true,
                oldClrType: typeof(string),
                oldType: "TEXT");

            migrationBuilder.AlterColumn<string>(
                name: "Hash",
                table: "AuditRecords",
                type: "TEXT",
                nullable: true,
                oldClrType: typeof(string),
                oldType: "TEXT");

            migrationBuilder.AlterColumn<long>(
                name: "Sequence",
                table: "AuditRecords",
                type: "INTEGER",
                nullable: true,
                oldClrType: typeof(long),
                oldType: "INTEGER");

            migrationBuilder.AddColumn<long>(
                name: "Id",
                table: "AuditRecords",
                type: "INTEGER",
                nullable: false,
                defaultValue: 0L)
                .Annotation("Sqlite:Autoincrement", true);

            migrationBuilder.AddColumn<long>(
                name: "ChainedAt",
                table: "AuditRecords",
                type: "INTEGER",
                nullable: true);

            migrationBuilder.AddPrimaryKey(
                name: "PK_AuditRecords",
                table: "AuditRecords",
                column: "Id");

            migrationBuilder.CreateIndex(
                name: "IX_NotificationPreferences_ExtraAddress",
                table: "NotificationPreferences",
                columns: new[] { "TenantId", "Email" },
                unique: true,
                filter: "\"UserId\" IS NULL");

            migrationBuilder.CreateIndex(
                name: "IX_AuditRecords_Sequence",
                table: "AuditRecords",
                column: "Sequence",
                unique: true);

            migrationBuilder.CreateIndex(
                name: "IX_AuditRecords_Unchained",
                table: "AuditRecords",
                column: "Id",
                filter: "\"Sequence\" IS NULL");
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            // The older schema has no unchained records. Records still waiting for the chainer keep their content and their
            // order, without hashes: verification on the older version names the first of them.
            migrationBuilder.Sql("""
                UPDATE "AuditRecords" SET "Sequence" = p."Place", "PreviousHash" = '', "Hash" = ''
                FROM (SELECT "Id", (SELECT COALESCE(MAX("Sequence"), 0) FROM "AuditRecords") + ROW_NUMBER() OVER (ORDER BY "Id") AS "Place"
                      FROM "AuditRecords" WHERE "Sequence" IS NULL) AS p
                WHERE "AuditRecords"."Id" = p."Id";
                """);

            migrationBuilder.DropIndex(
                name: "IX_NotificationPreferences_ExtraAddress",
                table: "NotificationPreferences");

            migrationBuilder.DropPrimaryKey(
                name: "PK_AuditRecords",
                table: "AuditRecords");

            migrationBuilder.DropIndex(
                name: "IX_AuditRecords_Sequence",
                table: "AuditRecords");

            migrationBuilder.DropIndex(
                name: "IX_AuditRecords_Unchained",
                table: "AuditRecords");

            migrationBuilder.DropColumn(
                name: "Id",
                table: "AuditRecords");

            migrationBuilder.DropColumn(
                name: "ChainedAt",
                table: "AuditRecords");

            migrationBuilder.AlterColumn<long>(
                name: "Sequence",
                table: "AuditRecords",
                type: "INTEGER",
                nullable: false,
                defaultValue: 0L,
                oldClrType: typeof(long),
                oldType: "INTEGER",
                oldNullable: true);

            migrationBuilder.AlterColumn<string>(
                name: "PreviousHash",
                table: "AuditRecords",
                type: "TEXT",
                nullable: false,
                defaultValue: "",
                oldClrType: typeof(string),
                oldType: "TEXT",
                oldNullable: true);

            migrationBuilder.AlterColumn<string>(
                name: "Hash",
                table: "AuditRecords",
                type: "TEXT",
                nullable: false,
                defaultValue: "",
                oldClrType: typeof(string),
                oldType: "TEXT",
                oldNullable: true);

            migrationBuilder.AddPrimaryKey(
                name: "PK_AuditRecords",
                table: "AuditRecords",
                column: "Sequence");
        }
    }
}
