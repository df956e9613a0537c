using System;
using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace ChangeDesk.Data.Migrations.Postgres
{
    /// <inheritdoc />
    public partial class MessageTenantLastModified : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.AddColumn<DateTimeOffset>(
                name: "LastModifiedDateTime",
                table: "MessageTenants",
                type: "timestamp with time zone",
                nullable: false,
                defaultValue: new DateTimeOffset(new DateTime(1, 1, 1, 0, 0, 0, 0, DateTimeKind.Unspecified), new TimeSpan(0, 0, 0, 0, 0)));

            // Postings copy their message's modification time; existing ones take it from the message.
            migrationBuilder.Sql(
                "UPDATE \"MessageTenants\" SET \"LastModifiedDateTime\" = "
                + "(SELECT m.\"LastModifiedDateTime\" FROM \"Messages\" AS m WHERE m.\"Id\" = \"MessageTenants\".\"MessageId\")");

            migrationBuilder.CreateIndex(
                name: "IX_MessageTenants_TenantId_LastModifiedDateTime_MessageId",
                table: "MessageTenants",
                columns: new[] { "TenantId", "LastModifiedDateTime", "MessageId" });
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropIndex(
                name: "IX_MessageTenants_TenantId_LastModifiedDateTime_MessageId",
                table: "MessageTenants");

            migrationBuilder.DropColumn(
                name: "LastModifiedDateTime",
                table: "MessageTenants");
        }
    }
}
