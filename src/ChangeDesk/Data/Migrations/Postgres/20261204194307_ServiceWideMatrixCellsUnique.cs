using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace ChangeDesk.Data.Migrations.Postgres
{
    /// <inheritdoc />
    public partial class ServiceWideMatrixCellsUnique : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropIndex(
                name: "IX_ResponsibilityOverrides_TenantId_Activity_Scope",
                table: "ResponsibilityOverrides");

            // Service-wide cells set twice at the same moment may have been stored twice: keep the newest of each.
            migrationBuilder.Sql("""
                DELETE FROM "ResponsibilityOverrides" AS a USING "ResponsibilityOverrides" AS b
                WHERE a."TenantId" IS NULL AND b."TenantId" IS NULL AND a."Activity" = b."Activity" AND a."Scope" = b."Scope" AND a."Id" < b."Id";
                """);

            migrationBuilder.CreateIndex(
                name: "IX_ResponsibilityOverrides_TenantId_Activity_Scope",
                table: "ResponsibilityOverrides",
                columns: new[] { "TenantId", "Activity", "Scope" },
                unique: true)
                .Annotation("Npgsql:NullsDistinct", false);
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropIndex(
                name: "IX_ResponsibilityOverrides_TenantId_Activity_Scope",
                table: "ResponsibilityOverrides");

            migrationBuilder.CreateIndex(
                name: "IX_ResponsibilityOverrides_TenantId_Activity_Scope",
                table: "ResponsibilityOverrides",
                columns: new[] { "TenantId", "Activity", "Scope" },
                unique: true);
        }
    }
}
