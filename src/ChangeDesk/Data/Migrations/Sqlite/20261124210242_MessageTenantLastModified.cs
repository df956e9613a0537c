using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace ChangeDesk.Data.Migrations.Sqlite
{
    /// <inheritdoc />
    public partial class MessageTenantLastModified : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.AddColumn<long>(
                name: "LastModifiedDateTime",
                table: "MessageTenants",
                type: "INTEGER",
                nullable: false,
                defaultValue: 0L);

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
