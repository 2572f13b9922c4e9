#pragma once

#include <QString>

class QHeaderView;
class QMainWindow;
class QSettings;

namespace hb {

// What the window remembers between runs, in its settings file: its geometry, its
// docks and toolbar, the export list's columns, and the folders files were last
// added from and data last saved to.
class WindowState final
{
public:
    struct Folders
    {
        QString lastAdded; // the Add files dialog opens here (home the first time)
        QString lastSaved; // Save data as… proposes this folder (empty: Downloads)
    };

    static Folders folders(const QSettings &store);
    static void restore(const QSettings &store, QMainWindow &window, QHeaderView &header);
    static void save(QSettings &store, const QMainWindow &window, const QHeaderView &header,
                     const Folders &folders);
};

} // namespace hb
