"""The About dialog: name, version, licence and the libraries AuditViewer runs on.

The content is :func:`auditviewer.core.about.about_info` (Qt-free data); this module
only lays it out. Wire it to a menu with :func:`show_about`. :func:`app_icon`
is the application's icon for ``QApplication.setWindowIcon``, built from the
pre-rendered PNGs so no SVG plugin is needed at run time.
"""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtGui import QGuiApplication, QIcon
from PySide6.QtWidgets import (
    QAbstractItemView,
    QDialog,
    QDialogButtonBox,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QPlainTextEdit,
    QPushButton,
    QTableWidget,
    QTableWidgetItem,
    QTabWidget,
    QVBoxLayout,
    QWidget,
)

from auditviewer.core.about import AboutInfo, about_info
from auditviewer.core.resources_path import ResourceNotFoundError, resource

__all__ = ["ICON_SIZES", "AboutDialog", "app_icon", "show_about"]

ICON_SIZES = (16, 24, 32, 48, 64, 128, 256, 512)
LIBRARY_HEADERS = ("Component", "Version", "Licence")


def app_icon() -> QIcon:
    """The application icon, every rendered size, for windows, dialogs and the task bar."""
    icon = QIcon()
    for size in ICON_SIZES:
        try:
            icon.addFile(str(resource(f"auditviewer-{size}.png")))
        except ResourceNotFoundError:
            # A missing size only costs sharpness at that size; Qt scales another.
            continue
    return icon


class AboutDialog(QDialog):
    """Modal About box. ``info`` defaults to this running application's."""

    def __init__(self, parent: QWidget | None = None, info: AboutInfo | None = None) -> None:
        super().__init__(parent)
        self.info = info or about_info()
        self.setWindowTitle(f"About {self.info.name}")
        self.setWindowIcon(app_icon())

        logo = QLabel()
        logo.setPixmap(app_icon().pixmap(64, 64))
        logo.setAlignment(Qt.AlignmentFlag.AlignTop)
        title = QLabel(f"<b style='font-size:15pt'>{self.info.name}</b>&nbsp; {self.info.version}")
        title.setObjectName("aboutTitle")
        title.setTextFormat(Qt.TextFormat.RichText)
        summary = QLabel(
            f"{self.info.description}<br>{self.info.copyright}<br>"
            f"Released under the {self.info.licence} licence."
        )
        summary.setObjectName("aboutSummary")
        summary.setTextFormat(Qt.TextFormat.RichText)
        summary.setWordWrap(True)
        summary.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        heading = QVBoxLayout()
        heading.addWidget(title)
        heading.addWidget(summary)
        if self.info.checking:
            checking = QLabel(f"Entry checks: {self.info.checking}")
            checking.setObjectName("aboutChecking")
            checking.setTextFormat(Qt.TextFormat.PlainText)
            checking.setWordWrap(True)
            heading.addWidget(checking)
        top = QHBoxLayout()
        top.addWidget(logo)
        top.addLayout(heading, 1)

        self.libraries = QTableWidget(len(self.info.libraries), len(LIBRARY_HEADERS))
        self.libraries.setObjectName("aboutLibraries")
        self.libraries.setHorizontalHeaderLabels(list(LIBRARY_HEADERS))
        self.libraries.verticalHeader().hide()
        self.libraries.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.libraries.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        for row, lib in enumerate(self.info.libraries):
            for col, text in enumerate((lib.name, lib.version, lib.licence)):
                self.libraries.setItem(row, col, QTableWidgetItem(text))
        self.libraries.horizontalHeader().setSectionResizeMode(
            QHeaderView.ResizeMode.ResizeToContents
        )
        self.libraries.horizontalHeader().setStretchLastSection(True)

        licence = QPlainTextEdit(self.info.licence_text)
        licence.setObjectName("aboutLicence")
        licence.setReadOnly(True)

        tabs = QTabWidget()
        tabs.addTab(self.libraries, "Libraries")
        tabs.addTab(licence, "Licence")

        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        self.copy_button = QPushButton("Copy version info")
        self.copy_button.setToolTip("Copy the versions above, e.g. for a bug report")
        buttons.addButton(self.copy_button, QDialogButtonBox.ButtonRole.ActionRole)
        buttons.rejected.connect(self.reject)
        self.copy_button.clicked.connect(self.copy_to_clipboard)

        layout = QVBoxLayout(self)
        layout.addLayout(top)
        layout.addWidget(tabs, 1)
        layout.addWidget(buttons)
        self.resize(520, 420)

    def copy_to_clipboard(self) -> None:
        """Put the version information on the clipboard as plain text."""
        QGuiApplication.clipboard().setText(self.info.as_text())


def show_about(parent: QWidget | None = None) -> None:
    """Show the About dialog modally; the Help ▸ About menu action's slot."""
    AboutDialog(parent).exec()
