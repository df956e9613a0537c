using System;
using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace ChangeDesk.Data.Migrations.Postgres
{
    /// <inheritdoc />
    public partial class EmailContentsAndPendingOutbox : Migration
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
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropTable(
                name: "EmailContents");

            migrationBuilder.DropIndex(
                name: "IX_Outbox_Pending",
                table: "Outbox");

            migrationBuilder.DropColumn(
                name: "ContentId",
                table: "Outbox");

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
