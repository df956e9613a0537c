using System;
using Microsoft.EntityFrameworkCore.Migrations;
using Npgsql.EntityFrameworkCore.PostgreSQL.Metadata;

#nullable disable

namespace ChangeDesk.Data.Migrations.Postgres
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

            migrationBuilder.CreateSequence<int>(
                name: "MessageNumbers",
                startValue: 100001L);

            migrationBuilder.CreateSequence<int>(
                name: "SupportRequestNumbers",
                startValue: 1001L);

            migrationBuilder.AlterColumn<string>(
                name: "PreviousHash",
                table: "AuditRecords",
                type: "text",
                nullable: true,
                oldClrType: typeof(string),
                oldType: "text");

            migrationBuilder.AlterColumn<string>(
                name: "Hash",
                table: "AuditRecords",
                type: "text",
                nullable: true,
                oldClrType: typeof(string),
                oldType: "text");

            migrationBuilder.AlterColumn<long>(
                name: "Sequence",
                table: "AuditRecords",
                type: "bigint",
                nullable: true,
                oldClrType: typeof(long),
                oldType: "bigint");

            migrationBuilder.AddColumn<long>(
                name: "Id",
                table: "AuditRecords",
                type: "bigint",
                nullable: false)
                .Annotation("Npgsql:ValueGenerationStrategy", NpgsqlValueGenerationStrategy.IdentityByDefaultColumn);

            // Records written before the chainer keep their order: their write order is their place in the chain.
            migrationBuilder.Sql("""UPDATE "AuditRecords" SET "Id" = "Sequence";""");
            migrationBuilder.Sql("""SELECT setval(pg_get_serial_sequence('"AuditRecords"', 'Id'), COALESCE((SELECT max("Id") FROM "AuditRecords"), 0) + 1, false);""");
            // Numbering goes on from the highest number given so far.
            migrationBuilder.Sql("""SELECT setval('"MessageNumbers"', GREATEST((SELECT max("Number") FROM "Messages"), 100000));""");
            migrationBuilder.Sql("""SELECT setval('"SupportRequestNumbers"', GREATEST((SELECT max("Number") FROM "SupportRequests"), 1000));""");

            migrationBuilder.AddColumn<DateTimeOffset>(
                name: "ChainedAt",
                table: "AuditRecords",
                type: "timestamp with time zone",
                nullable: true);
            migrationBuilder.Sql("""UPDATE "AuditRecords" SET "ChainedAt" = "At";""");

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

            migrationBuilder.DropSequence(
                name: "MessageNumbers");

            migrationBuilder.DropSequence(
                name: "SupportRequestNumbers");

            migrationBuilder.AlterColumn<long>(
                name: "Sequence",
                table: "AuditRecords",
                type: "bigint",
                nullable: false,
                defaultValue: 0L,
                oldClrType: typeof(long),
                oldType: "bigint",
                oldNullable: true);

            migrationBuilder.AlterColumn<string>(
                name: "PreviousHash",
                table: "AuditRecords",
                type: "text",
                nullable: false,
                defaultValue: "",
                oldClrType: typeof(string),
                oldType: "text",
                oldNullable: true);

            migrationBuilder.AlterColumn<string>(
                name: "Hash",
                table: "AuditRecords",
                type: "text",
                nullable: false,
                defaultValue: "",
                oldClrType: typeof(string),
                oldType: "text",
                oldNullable: true);

            migrationBuilder.AddPrimaryKey(
                name: "PK_AuditRecords",
                table: "AuditRecords",
                column: "Sequence");
        }
    }
}
