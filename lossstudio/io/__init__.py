"""The project file format of LossStudio: versioned JSON, migrations, atomic save."""
