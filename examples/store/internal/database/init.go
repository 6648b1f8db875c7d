// Package database opens the project's database: this service uses gorm with mysql.
package database

import (
	"errors"
	"os"
	"sync"
	"time"

	"gorm.io/driver/mysql"
	"gorm.io/gorm"
	"gorm.io/gorm/logger"
)

// ErrRecordNotFound no record found
var ErrRecordNotFound = gorm.ErrRecordNotFound

var (
	gdb  *gorm.DB
	once sync.Once
)

// InitDB connect to mysql with gorm, dsn e.g. "root:123456@(127.0.0.1:3306)/store?charset=utf8mb4&parseTime=true&loc=Local"
func InitDB(dsn string) error {
	if dsn == "" {
		return errors.New("database: empty mysql dsn")
	}
	db, err := gorm.Open(mysql.Open(dsn), &gorm.Config{
		Logger:                                   logger.Default.LogMode(logger.Warn),
		DisableForeignKeyConstraintWhenMigrating: true,
	})
	if err != nil {
		return err
	}
	sqlDB, err := db.DB()
	if err != nil {
		return err
	}
	sqlDB.SetMaxIdleConns(3)
	sqlDB.SetMaxOpenConns(50)
	sqlDB.SetConnMaxLifetime(30 * time.Minute)
	gdb = db
	return nil
}

// GetDB get the gorm db, connecting with $STORE_MYSQL_DSN on first use when InitDB was not called
func GetDB() *gorm.DB {
	if gdb == nil {
		once.Do(func() {
			if err := InitDB(os.Getenv("STORE_MYSQL_DSN")); err != nil {
				panic("database: init mysql failed: " + err.Error())
			}
		})
	}
	return gdb
}

// CloseDB close the database connections
func CloseDB() error {
	if gdb == nil {
		return nil
	}
	sqlDB, err := gdb.DB()
	if err != nil {
		return err
	}
	return sqlDB.Close()
}
