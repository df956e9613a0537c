using System;
using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace ChangeDesk.Data.Migrations.Sqlite
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
                type: "TEXT",
                nullable: true);

            migrationBuilder.CreateTable(
                name: "EmailContents",
                columns: table => new
                {
                    Id = table.Column<Guid>(type: "TEXT", nullable: false),
                    Text = table.Column<string>(type: "TEXT", nullable: false),
                    Html = table.Column<string>(type: "TEXT", nullable: true),
                    CreatedAt = table.Column<long>(type: "INTEGER", nullable: false)
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
