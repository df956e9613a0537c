using System;
using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace ChangeDesk.Data.Migrations.Postgres
{
    /// <inheritdoc />
    public partial class EmailContentsAndMessageTenantOrder : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropIndex(
                name: "IX_Outbox_Channel_SentAt_DeadAt_DueAt",
                table: "Outbox");

            migrationBuilder.DropIndex(
                name: "IX_Outbox_LeaseOwner",
                table: "Outbox");

            migrationBuilder.AddColumn<Guid>(
                name: "ContentId",
                table: "Outbox",
                type: "uuid",
                nullable: true);

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

            migrationBuilder.CreateTable(
                name: "EmailContents",
                columns: table => new
                {
                    Id = table.Column<Guid>(type: "uuid", nullable: false),
                    Text = table.Column<string>(type: "text", nullable: false),
                    Html = table.Column<string>(type: "text", nullable: true),
                    CreatedAt = table.Column<DateTimeOffset>(type: "timestamp with time zone", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_EmailContents", x => x.Id);
                });

            migrationBuilder.CreateIndex(
                name: "IX_Outbox_Pending",
                table: "Outbox",
                columns: new[] { "Channel", "DueAt", "Id" },
                filter: "\"SentAt\" IS NULL AND \"DeadAt\" IS NULL");

            migrationBuilder.CreateIndex(
                name: "IX_MessageTenants_TenantId_LastModifiedDateTime_MessageId",
                table: "MessageTenants",
                columns: new[] { "TenantId", "LastModifiedDateTime", "MessageId" });
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropTable(
                name: "EmailContents");

            migrationBuilder.DropIndex(
                name: "IX_Outbox_Pending",
                table: "Outbox");

            migrationBuilder.DropIndex(
                name: "IX_MessageTenants_TenantId_LastModifiedDateTime_MessageId",
                table: "MessageTenants");

            migrationBuilder.DropColumn(
                name: "ContentId",
                table: "Outbox");

            migrationBuilder.DropColumn(
                name: "LastModifiedDateTime",
                table: "MessageTenants");

            migrationBuilder.CreateIndex(
                name: "IX_Outbox_Channel_SentAt_DeadAt_DueAt",
                table: "Outbox",
                columns: new[] { "Channel", "SentAt", "DeadAt", "DueAt" });

            migrationBuilder.CreateIndex(
                name: "IX_Outbox_LeaseOwner",
                table: "Outbox",
                column: "LeaseOwner");
        }
    }
}
